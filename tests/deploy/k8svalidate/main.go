// k8svalidate checks rendered Kubernetes manifests (helm template, kubectl kustomize) offline, without a
// cluster: every object of a multi-document YAML stream is strictly decoded into its Go type, as the API
// server's strict field validation would decode it.
//
//	k8svalidate [FILE|-]...      (no argument: standard input)
//
// Each object gets one of these depths of check; anything else fails as an unknown kind:
//
//   - Built-in kinds of core/v1, apps/v1, policy/v1, networking/v1, autoscaling/v2, batch/v1 and rbac/v1:
//     strict decoding into the k8s.io/api struct. Unknown fields (a misspelt or misplaced key), wrong
//     types (a string where an int32 is), malformed quantities and duplicate keys fail.
//   - ServiceMonitor and PrometheusRule (monitoring.coreos.com/v1): the same strict decoding into the
//     Prometheus Operator's own Go types (github.com/prometheus-operator/.../pkg/apis/monitoring).
//   - KafkaTopic (kafka.strimzi.io/v1beta2): Strimzi publishes no Go types, so kafkaTopic below is a
//     struct of our own with the spec fields of Strimzi's CRD schema (topicName, partitions, replicas,
//     config), strictly decoded, plus the schema's minimums. config is free-form there and here.
//
// On top of decoding, for every object, the API server's metadata validation from k8s.io/apimachinery
// (name syntax: a DNS-1035 label for Services, a DNS-1123 subdomain otherwise; label and annotation
// syntax and size; namespace syntax), and a few of its per-kind rules that decoding cannot see: a
// Deployment's selector matches its pod template's labels; container, volume and port names are valid
// and unique; env names are valid; volume mounts name a volume; ConfigMap keys are valid and the data
// fits in 1 MiB. Everything else the API server validates (defaults, immutable fields, quota, admission,
// the CRDs' full OpenAPI schemas) is not checked here.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// kafkaTopic is Strimzi's KafkaTopic (kafka.strimzi.io/v1beta2) as far as its CRD schema types the spec.
// status is left out: a manifest does not carry one.
type kafkaTopic struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              kafkaTopicSpec `json:"spec"`
}

type kafkaTopicSpec struct {
	TopicName  string                 `json:"topicName,omitempty"`
	Partitions *int32                 `json:"partitions,omitempty"` // CRD: minimum 1
	Replicas   *int32                 `json:"replicas,omitempty"`   // CRD: minimum 1, maximum 32767
	Config     map[string]interface{} `json:"config,omitempty"`     // CRD: x-kubernetes-preserve-unknown-fields
}

func (t *kafkaTopic) DeepCopyObject() runtime.Object {
	data, _ := json.Marshal(t)
	out := &kafkaTopic{}
	_ = json.Unmarshal(data, out)
	return out
}

var strimzi = schema.GroupVersion{Group: "kafka.strimzi.io", Version: "v1beta2"}

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme,
		autoscalingv2.AddToScheme, batchv1.AddToScheme, rbacv1.AddToScheme, monitoringv1.AddToScheme,
		func(s *runtime.Scheme) error {
			s.AddKnownTypeWithName(strimzi.WithKind("KafkaTopic"), &kafkaTopic{})
			metav1.AddToGroupVersion(s, strimzi)
			return nil
		},
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// ---------------------------------------------------------------------------------- extra rules
func podSpecErrors(spec *corev1.PodSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	volumes := map[string]bool{}
	for i, v := range spec.Volumes {
		p := path.Child("volumes").Index(i).Child("name")
		for _, msg := range validation.IsDNS1123Label(v.Name) {
			errs = append(errs, field.Invalid(p, v.Name, msg))
		}
		if volumes[v.Name] {
			errs = append(errs, field.Duplicate(p, v.Name))
		}
		volumes[v.Name] = true
	}
	containers := map[string]bool{}
	all := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	if len(spec.Containers) == 0 {
		errs = append(errs, field.Required(path.Child("containers"), ""))
	}
	for i, c := range all {
		cp := path.Child("containers").Index(i)
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			errs = append(errs, field.Invalid(cp.Child("name"), c.Name, msg))
		}
		if containers[c.Name] {
			errs = append(errs, field.Duplicate(cp.Child("name"), c.Name))
		}
		containers[c.Name] = true
		if c.Image == "" {
			errs = append(errs, field.Required(cp.Child("image"), ""))
		}
		ports := map[string]bool{}
		for j, port := range c.Ports {
			pp := cp.Child("ports").Index(j)
			if port.Name != "" {
				for _, msg := range validation.IsValidPortName(port.Name) {
					errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
				}
				if ports[port.Name] {
					errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
				}
				ports[port.Name] = true
			}
			for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
				errs = append(errs, field.Invalid(pp.Child("containerPort"), port.ContainerPort, msg))
			}
		}
		for j, e := range c.Env {
			for _, msg := range validation.IsEnvVarName(e.Name) {
				errs = append(errs, field.Invalid(cp.Child("env").Index(j).Child("name"), e.Name, msg))
			}
		}
		for j, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				errs = append(errs, field.NotFound(cp.Child("volumeMounts").Index(j).Child("name"), m.Name))
			}
		}
	}
	return errs
}

func selectorErrors(sel *metav1.LabelSelector, podLabels map[string]string, path *field.Path) field.ErrorList {
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		return field.ErrorList{field.Required(path.Child("selector"), "")}
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return field.ErrorList{field.Invalid(path.Child("selector"), sel, err.Error())}
	}
	if !s.Matches(labels.Set(podLabels)) {
		return field.ErrorList{field.Invalid(path.Child("template", "metadata", "labels"), podLabels,
			"`selector` does not match template `labels`")}
	}
	return nil
}

func objectErrors(obj runtime.Object) field.ErrorList {
	var errs field.ErrorList
	meta, ok := obj.(metav1.Object)
	if !ok {
		return field.ErrorList{field.InternalError(nil, errors.New("object has no metadata"))}
	}
	nameFn := apivalidation.NameIsDNSSubdomain
	if _, isService := obj.(*corev1.Service); isService {
		nameFn = apivalidation.NameIsDNS1035Label
	}
	om := metav1.ObjectMeta{Name: meta.GetName(), Namespace: meta.GetNamespace(), Labels: meta.GetLabels(),
		Annotations: meta.GetAnnotations(), GenerateName: meta.GetGenerateName()}
	// A namespace is optional (helm template leaves it to --namespace; kustomize sets it); given, it is checked.
	errs = append(errs, apivalidation.ValidateObjectMeta(&om, om.Namespace != "", nameFn, field.NewPath("metadata"))...)
	spec := field.NewPath("spec")
	switch o := obj.(type) {
	case *appsv1.Deployment:
		errs = append(errs, selectorErrors(o.Spec.Selector, o.Spec.Template.Labels, spec)...)
		errs = append(errs, podSpecErrors(&o.Spec.Template.Spec, spec.Child("template", "spec"))...)
	case *appsv1.StatefulSet:
		errs = append(errs, selectorErrors(o.Spec.Selector, o.Spec.Template.Labels, spec)...)
		errs = append(errs, podSpecErrors(&o.Spec.Template.Spec, spec.Child("template", "spec"))...)
	case *appsv1.DaemonSet:
		errs = append(errs, selectorErrors(o.Spec.Selector, o.Spec.Template.Labels, spec)...)
		errs = append(errs, podSpecErrors(&o.Spec.Template.Spec, spec.Child("template", "spec"))...)
	case *batchv1.Job:
		errs = append(errs, podSpecErrors(&o.Spec.Template.Spec, spec.Child("template", "spec"))...)
	case *batchv1.CronJob:
		errs = append(errs, podSpecErrors(&o.Spec.JobTemplate.Spec.Template.Spec,
			spec.Child("jobTemplate", "spec", "template", "spec"))...)
	case *corev1.Pod:
		errs = append(errs, podSpecErrors(&o.Spec, spec)...)
	case *corev1.Service:
		names := map[string]bool{}
		for i, p := range o.Spec.Ports {
			pp := spec.Child("ports").Index(i)
			for _, msg := range validation.IsDNS1123Label(p.Name) {
				if p.Name != "" || len(o.Spec.Ports) > 1 {
					errs = append(errs, field.Invalid(pp.Child("name"), p.Name, msg))
				}
			}
			if names[p.Name] {
				errs = append(errs, field.Duplicate(pp.Child("name"), p.Name))
			}
			names[p.Name] = true
		}
	case *corev1.ConfigMap:
		size := 0
		for k, v := range o.Data {
			size += len(k) + len(v)
			for _, msg := range validation.IsConfigMapKey(k) {
				errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, msg))
			}
		}
		for k, v := range o.BinaryData {
			size += len(k) + len(v)
		}
		if size > corev1.MaxSecretSize {
			errs = append(errs, field.TooLong(field.NewPath("data"), "", corev1.MaxSecretSize))
		}
	case *kafkaTopic:
		if p := o.Spec.Partitions; p != nil && *p < 1 {
			errs = append(errs, field.Invalid(spec.Child("partitions"), *p, "must be at least 1"))
		}
		if r := o.Spec.Replicas; r != nil && (*r < 1 || *r > 32767) {
			errs = append(errs, field.Invalid(spec.Child("replicas"), *r, "must be between 1 and 32767"))
		}
	}
	return errs
}

// ------------------------------------------------------------------------------------------ main
type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

func sourceOf(doc []byte) string {
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "# Source: ") {
			return strings.TrimPrefix(line, "# Source: ")
		}
	}
	return ""
}

func main() {
	files := os.Args[1:]
	if len(files) == 0 {
		files = []string{"-"}
	}
	scheme := newScheme()
	decoder := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
	counts := map[string]int{}
	failed := 0
	for _, file := range files {
		var in io.Reader = os.Stdin
		if file != "-" {
			f, err := os.Open(file)
			if err != nil {
				fmt.Fprintln(os.Stderr, "k8svalidate:", err)
				os.Exit(2)
			}
			defer f.Close()
			in = f
		}
		reader := kyaml.NewYAMLReader(bufio.NewReader(in))
		for n := 1; ; n++ {
			doc, err := reader.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "k8svalidate: %s: document %d: %v\n", file, n, err)
				os.Exit(2)
			}
			if j, err := yaml.YAMLToJSON(doc); err == nil && bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
				continue // only comments or blank
			}
			where := fmt.Sprintf("%s document %d", file, n)
			if src := sourceOf(doc); src != "" {
				where += " (" + src + ")"
			}
			var h header
			_ = yaml.Unmarshal(doc, &h)
			what := fmt.Sprintf("%s %s/%s", where, h.Kind, h.Metadata.Name)
			obj, _, err := decoder.Decode(doc, nil, nil)
			if err != nil {
				fmt.Printf("FAIL %s (%s): %v\n", what, h.APIVersion, err)
				failed++
				continue
			}
			if errs := objectErrors(obj); len(errs) > 0 {
				fmt.Printf("FAIL %s: %v\n", what, errs.ToAggregate())
				failed++
				continue
			}
			counts[h.Kind]++
		}
	}
	var kinds []string
	total := 0
	for k, c := range counts {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, c))
		total += c
	}
	sort.Strings(kinds)
	fmt.Printf("k8svalidate: %d objects valid (%s), %d invalid\n", total, strings.Join(kinds, ", "), failed)
	if failed > 0 || total == 0 {
		os.Exit(1)
	}
}
