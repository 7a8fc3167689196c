// helm_render renders a Helm chart the way `helm template` does, as far as this machine allows: Helm
// is not packaged in Debian 12, but its template engine is Go's text/template with the sprig
// functions (Debian: golang-github-masterminds-sprig-dev) plus include, tpl, toYaml, fromYaml,
// required and fail. It reads Chart.yaml, values.yaml (then each -f file), renders every
// templates/*.yaml and NOTES.txt, and prints the documents to stdout (NOTES.txt to stderr).
//
//	helm_render CHART_DIR [-f values.yaml]... [--set-string a.b=c]... [--plain]
//
// --plain renders for plain manifests (deploy/k8s): app.kubernetes.io/managed-by is kustomize.
//
// Not covered: lookup (answers nothing), Capabilities beyond a fixed Kubernetes 1.29, subcharts, hooks.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "helm_render: "+format+"\n", args...)
	os.Exit(1)
}

// merge copies src over dst (maps deeply, everything else replaced), as Helm merges values files.
func merge(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				dst[k] = merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

func readYAML(path string) map[string]interface{} {
	data, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	out := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &out); err != nil {
		die("%s: %v", path, err)
	}
	return out
}

func toYAML(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

type files struct{ root string }

func (f files) Get(name string) string {
	data, err := os.ReadFile(filepath.Join(f.root, name))
	if err != nil {
		return ""
	}
	return string(data)
}

func (f files) Glob(pattern string) map[string]string {
	matches, _ := filepath.Glob(filepath.Join(f.root, pattern))
	out := map[string]string{}
	for _, m := range matches {
		rel, _ := filepath.Rel(f.root, m)
		out[rel] = f.Get(rel)
	}
	return out
}

func main() {
	if len(os.Args) < 2 {
		die("usage: helm_render CHART_DIR [-f values.yaml]... [--set-string a.b=c]...")
	}
	chartDir := os.Args[1]
	values := readYAML(filepath.Join(chartDir, "values.yaml"))
	managedBy := "Helm"
	for i := 2; i < len(os.Args); i++ {
		switch os.Args[i] {
		case "--plain":
			managedBy = "kustomize"
		case "-f":
			i++
			values = merge(values, readYAML(os.Args[i]))
		case "--set-string":
			i++
			kv := strings.SplitN(os.Args[i], "=", 2)
			keys := strings.Split(kv[0], ".")
			node := values
			for _, k := range keys[:len(keys)-1] {
				next, ok := node[k].(map[string]interface{})
				if !ok {
					next = map[string]interface{}{}
					node[k] = next
				}
				node = next
			}
			node[keys[len(keys)-1]] = kv[1]
		default:
			die("unknown argument %s", os.Args[i])
		}
	}
	chart := readYAML(filepath.Join(chartDir, "Chart.yaml"))
	capitalized := map[string]interface{}{}
	for k, v := range chart {
		capitalized[strings.ToUpper(k[:1])+k[1:]] = v
	}
	root := map[string]interface{}{
		"Values":       values,
		"Chart":        capitalized,
		"Release":      map[string]interface{}{"Name": "hosho", "Namespace": "hosho", "Service": managedBy, "IsInstall": true},
		"Capabilities": map[string]interface{}{"KubeVersion": map[string]interface{}{"Version": "v1.29.0", "Major": "1", "Minor": "29"}, "APIVersions": []string{}},
		"Files":        files{chartDir},
	}

	tpl := template.New("chart").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		out := map[string]interface{}{}
		_ = yaml.Unmarshal([]byte(s), &out)
		return out
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return nil, fmt.Errorf("required: %s", msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", fmt.Errorf("fail: %s", msg) }
	funcs["lookup"] = func(...interface{}) map[string]interface{} { return map[string]interface{}{} }
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := tpl.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := tpl.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = t.Execute(&buf, data)
		return buf.String(), err
	}
	tpl.Funcs(funcs)

	paths, _ := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	sort.Strings(paths)
	var rendered []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			die("%v", err)
		}
		if _, err := tpl.New(filepath.Base(p)).Parse(string(data)); err != nil {
			die("%s: %v", p, err)
		}
		rendered = append(rendered, filepath.Base(p))
	}
	for _, name := range rendered {
		if strings.HasPrefix(name, "_") {
			continue
		}
		var buf bytes.Buffer
		if err := tpl.ExecuteTemplate(&buf, name, root); err != nil {
			die("%s: %v", name, err)
		}
		if name == "NOTES.txt" {
			fmt.Fprint(os.Stderr, buf.String())
			continue
		}
		if strings.TrimSpace(buf.String()) == "" {
			continue
		}
		fmt.Printf("---\n# Source: hosho/templates/%s\n%s\n", name, strings.TrimSpace(buf.String()))
	}
}
