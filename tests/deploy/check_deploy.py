#!/usr/bin/python3
"""Offline checks of what a platform team deploys: the image recipe, the Helm chart and the kustomize
manifests. The chart is rendered and linted by the real Helm (`helm template`,
`helm lint --strict`; tests/deploy/setup_tools.sh builds the pinned one); kubectl renders the
kustomizations. Every rendering goes through k8svalidate (tests/deploy/k8svalidate: strict decoding into
the Kubernetes API types), then through the checks below: the hardening and wiring a schema cannot see,
and drift from the sources. Every check names what it found wrong; the script exits 1 if any failed.

  check_deploy.py --helm BIN --bin-dir build/bin [--kubectl kubectl] [--k8svalidate BIN]

--k8svalidate defaults to the k8svalidate beside --helm (setup_tools.sh puts both in one bin/).
"""
import argparse
import copy
import filecmp
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVICES = {  # chart key → (component, binary, source dir)
    "intake": ("intake", "hosho-intake", "services/intake"),
    "verification": ("verification", "hosho-verification", "services/verification"),
    "routing": ("routing", "hosho-routing", "services/routing"),
    "notification": ("notification", "hosho-notification", "services/notification"),
    "platformSim": ("platform-sim", "hosho-platform-sim", "services/platform_sim"),
    "console": ("console", "hosho-console", "services/console"),
}
CORE = ["intake", "verification", "routing", "notification", "console"]
failures = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def path(*parts):
    return os.path.join(ROOT, *parts)


def read(*parts):
    with open(path(*parts), encoding="utf-8") as f:
        return f.read()


def merge(dst, src):
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge(dst[k], v)
        else:
            dst[k] = v
    return dst


def validate(args, manifests, where):
    """Strict decoding of every object into its Kubernetes type (k8svalidate)."""
    r = subprocess.run([args.k8svalidate], input=manifests, capture_output=True, text=True)
    check(r.returncode == 0, "k8svalidate %s: %s" % (where, (r.stdout + r.stderr).strip()[-2000:]))


def helm(args, *values):
    """helm template (release hosho in namespace hosho), validated; returns the objects."""
    opts = []
    for v in values:
        opts += ["-f", v]
    cmd = [args.helm, "template", "hosho", path("charts/hosho"), "--namespace", "hosho"] + opts
    where = "helm template %s" % (" ".join(os.path.basename(o) for o in opts) or "(defaults)")
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, "%s: %s" % (where, r.stderr.strip()[:300]))
    validate(args, r.stdout, where)
    return [d for d in yaml.safe_load_all(r.stdout) if d]


def helm_lint(args, *values):
    cmd = [args.helm, "lint", "--strict", path("charts/hosho")]
    for v in values:
        cmd += ["-f", v]
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, "helm lint --strict %s: %s" %
          (" ".join(os.path.basename(v) for v in values), (r.stdout + r.stderr).strip()[-2000:]))


def helm_notes(args, *values):
    """NOTES.txt as Helm renders it. `helm template` prints no notes and `helm install --dry-run` needs a
    cluster, so a copy of the chart gets one more template that includes NOTES.txt by its name."""
    with tempfile.TemporaryDirectory() as tmp:
        chart = os.path.join(tmp, "hosho")
        shutil.copytree(path("charts/hosho"), chart)
        with open(os.path.join(chart, "templates", "zz-notes-check.yaml"), "w") as f:
            f.write('notes: {{ include "hosho/templates/NOTES.txt" . | toJson }}\n')
        cmd = [args.helm, "template", "hosho", chart, "--namespace", "hosho",
               "--show-only", "templates/zz-notes-check.yaml"]
        for v in values:
            cmd += ["-f", v]
        r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, "NOTES.txt renders: %s" % r.stderr.strip()[:300])
    return (yaml.safe_load(r.stdout) or {}).get("notes", "") if r.returncode == 0 else ""


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


# ---------------------------------------------------------------------------------------------- image
def check_dockerfile(args):
    text = read("deploy/docker/Dockerfile")
    stages = re.split(r"^FROM ", text, flags=re.M)
    check(len(stages) >= 3, "Dockerfile: a build stage and a runtime stage")
    runtime = stages[-1]
    installed = set(re.findall(r"\b(lib[a-z0-9.+-]+|zlib1g|ca-certificates|tzdata)\b", runtime.split("COPY")[0]))
    for bad in ("g++", "gcc", "cmake", "ninja-build", "-dev", "protobuf-compiler"):
        check(bad not in runtime.split("COPY --from")[0].replace("--no-install-recommends", ""),
              "Dockerfile: the runtime stage installs no %s" % bad)
    m = re.search(r"^USER (\S+)", runtime, flags=re.M)
    check(m is not None, "Dockerfile: the runtime stage sets USER")
    uid = re.search(r"ARG HOSHO_UID=(\d+)", runtime)
    check(uid is not None and int(uid.group(1)) >= 1000, "Dockerfile: a non-root numeric uid")
    check(os.path.exists(path(".dockerignore")) and ".git" in read(".dockerignore") and "build" in read(".dockerignore"),
          ".dockerignore keeps .git and build trees out of the context")
    for arg in ("DEBIAN_IMAGE", "BUILD_TYPE", "JOBS", "HOSHO_UID"):
        check(("ARG " + arg) in text and arg in text.split("FROM")[0], "Dockerfile documents build argument %s" % arg)
    # Every library a binary needs comes from a package the runtime stage installs.
    # The services and hoshoctl, and whatever else the build stage copies out of build/bin.
    binaries = [b for _, b, _ in SERVICES.values()] + ["hoshoctl"]
    binaries += sorted(set(re.findall(r"/build/bin/([\w.-]+)", text)) - set(binaries))
    for binary in binaries:
        exe = os.path.join(args.bin_dir, binary)
        check(os.path.exists(exe), "built binary %s exists" % exe)
        if not os.path.exists(exe):
            continue
        check(binary in text, "Dockerfile copies %s" % binary)
        needed = re.findall(r"NEEDED\s+(\S+)", subprocess.run(["objdump", "-p", exe], capture_output=True,
                                                              text=True).stdout)
        resolved = dict(re.findall(r"^\s*(\S+) => (\S+)", subprocess.run(["ldd", exe], capture_output=True,
                                                                            text=True).stdout, flags=re.M))
        for soname in needed:
            lib = resolved.get(soname)
            if lib is None:
                continue
            owner = None
            for candidate in (lib, "/usr" + lib, os.path.realpath(lib)):
                r = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
                if r.returncode == 0:
                    owner = r.stdout.split(":")[0]
                    break
            base_ok = owner in ("libc6", "libgcc-s1")  # in every Debian image
            check(owner is not None and (owner in installed or base_ok),
                  "%s needs %s (package %s): the runtime stage must install it" % (binary, soname, owner))


# ------------------------------------------------------------------------------------- values & schema
def check_values():
    schema = json.loads(read("charts/hosho/values.schema.json"))
    values = yaml.safe_load(read("charts/hosho/values.yaml"))
    try:
        jsonschema.validate(values, schema)
        check(True, "values.yaml validates")
    except jsonschema.ValidationError as e:
        check(False, "values.yaml against values.schema.json: %s" % e.message)
    for overlay in ("deploy/k8s/base-values.yaml", "deploy/k8s/overlays/trial/values.yaml",
                    "deploy/k8s/overlays/production/values.yaml"):
        merged = merge(copy.deepcopy(values), yaml.safe_load(read(overlay)))
        try:
            jsonschema.validate(merged, schema)
            check(True, overlay)
        except jsonschema.ValidationError as e:
            check(False, "%s against values.schema.json: %s" % (overlay, e.message))
    # What the schema must refuse.
    refused = {
        "a password as a value": ("global", "redis", "password", "hunter2"),
        "a token in extraConfig": ("routing", "extraConfig", "token", "abc"),
        "a writable root filesystem": ("containerSecurityContext", "readOnlyRootFilesystem", None, False),
        "running as root": ("podSecurityContext", "runAsNonRoot", None, False),
        "a plain http webhook": ("notification", "webhooks", None, [{"name": "x", "url": "http://x",
                                                                      "secret": {"existingSecret": "s", "key": "k"}}]),
        "a webhook secret given inline": ("notification", "webhooks", None, [{"name": "x", "url": "https://x",
                                                                               "secret": "s3cret"}]),
    }
    for what, (a, b, c, value) in refused.items():
        bad = copy.deepcopy(values)
        if c is None:
            bad[a][b] = value
        else:
            bad[a][b][c] = value
        try:
            jsonschema.validate(bad, schema)
            check(False, "values.schema.json refuses %s" % what)
        except jsonschema.ValidationError:
            check(True, what)


# ------------------------------------------------------------------------------------- rendered objects
def check_objects(docs, where, drain_seconds, expect_components):
    deployments = by_kind(docs, "Deployment")
    services = by_kind(docs, "Service")
    accounts = by_kind(docs, "ServiceAccount")
    configmaps = by_kind(docs, "ConfigMap")
    pdbs = by_kind(docs, "PodDisruptionBudget")
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    policies = by_kind(docs, "NetworkPolicy")
    check(set(n.replace("hosho-", "") for n in deployments) == set(expect_components),
          "%s: deployments %s, expected %s" % (where, sorted(deployments), sorted(expect_components)))
    check(any(p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/part-of") == "hosho" and
              set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} and not p["spec"].get("ingress") and
              not p["spec"].get("egress") for p in policies.values()),
          "%s: a default-deny NetworkPolicy for every hosho pod" % where)
    for name, d in deployments.items():
        spec = d["spec"]["template"]["spec"]
        pod = spec.get("securityContext", {})
        check(pod.get("runAsNonRoot") is True and pod.get("runAsUser", 0) > 0, "%s %s: runs as non-root" % (where, name))
        check(pod.get("seccompProfile", {}).get("type") == "RuntimeDefault", "%s %s: seccomp RuntimeDefault" % (where, name))
        check(spec.get("automountServiceAccountToken") is False, "%s %s: no service account token" % (where, name))
        check(spec.get("serviceAccountName") in accounts, "%s %s: its ServiceAccount exists" % (where, name))
        check(spec.get("terminationGracePeriodSeconds", 30) > drain_seconds + 20,
              "%s %s: terminationGracePeriodSeconds %s > drain %s s + consumer stop + 10 s flush" %
              (where, name, spec.get("terminationGracePeriodSeconds"), drain_seconds))
        check(name in services, "%s %s: has a Service" % (where, name))
        check(name in policies, "%s %s: has its own NetworkPolicy" % (where, name))
        replicas = d["spec"].get("replicas", 1)
        check(name in pdbs or (replicas <= 1 and name not in hpas), "%s %s: has a PodDisruptionBudget" % (where, name))
        for c in spec["containers"]:
            sc = c.get("securityContext", {})
            check(sc.get("readOnlyRootFilesystem") is True, "%s %s: read-only root filesystem" % (where, name))
            check(sc.get("allowPrivilegeEscalation") is False, "%s %s: no privilege escalation" % (where, name))
            check("ALL" in sc.get("capabilities", {}).get("drop", []) and not sc.get("capabilities", {}).get("add"),
                  "%s %s: all capabilities dropped" % (where, name))
            check(c.get("resources", {}).get("requests") and c.get("resources", {}).get("limits"),
                  "%s %s: resources set" % (where, name))
            ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                grpc = c.get(probe, {}).get("grpc")
                check(grpc is not None and grpc.get("port") == ports.get("probe"),
                      "%s %s: native gRPC %s on the probe port" % (where, name, probe))
            for e in c.get("env", []):
                check("value" not in e or not re.search(r"(?i)(password|token|secret)", e["name"]),
                      "%s %s: env %s carries no secret value" % (where, name, e["name"]))
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            # Every file the configuration names (secrets, certificates, data) is mounted.
            cm = configmaps.get(name)
            check(cm is not None, "%s %s: has its ConfigMap" % (where, name))
            if cm is None:
                continue
            config = yaml.safe_load(cm["data"]["config.yaml"])
            files = []

            def walk(node, key=""):
                if isinstance(node, dict):
                    for k, v in node.items():
                        walk(v, k)
                elif isinstance(node, list):
                    for v in node:
                        walk(v, key)
                elif isinstance(node, str) and (key.endswith("_file") or key == "ssl.ca.location") and node:
                    files.append((key, node))
            walk(config)
            for key, f in files:
                check(any(f.startswith(mp.rstrip("/") + "/") or f == mp for mp in mounts),
                      "%s %s: %s %s is inside a mounted volume" % (where, name, key, f))
            listen = config["grpc"]["listen"]
            check(listen.startswith("0.0.0.0:") and config["grpc"].get("dev_plaintext") is False and
                  config["grpc"].get("tls", {}).get("cert_file"),
                  "%s %s: gRPC listens with TLS (no development plaintext)" % (where, name))
            check(int(listen.split(":")[1]) == ports.get("grpc"), "%s %s: config port = containerPort" % (where, name))
            check(int(config["grpc"]["health_listen"].split(":")[1]) == ports.get("probe"),
                  "%s %s: health_listen = probe port" % (where, name))
    return {"deployments": deployments, "configmaps": configmaps}


def check_console(docs, where, values, ingress=False):
    """The console: pages on an HTTPS port, intake's attachments mounted read only, the topic catalogue,
    and the two services it acts through reachable from it."""
    deployments = by_kind(docs, "Deployment")
    services = by_kind(docs, "Service")
    policies = by_kind(docs, "NetworkPolicy")
    configmaps = by_kind(docs, "ConfigMap")
    pvcs = by_kind(docs, "PersistentVolumeClaim")
    d = deployments.get("hosho-console")
    check(d is not None, "%s: the console is deployed" % where)
    if d is None:
        return
    spec = d["spec"]["template"]["spec"]
    container = spec["containers"][0]
    http = values["console"]["ports"]["http"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    check(ports.get("http") == http, "%s console: container port http %s" % (where, http))
    service_ports = {p["name"]: p for p in services["hosho-console"]["spec"]["ports"]}
    check(service_ports.get("http", {}).get("port") == http and service_ports["http"].get("appProtocol") == "https",
          "%s console: its Service exposes the pages (https)" % where)
    cm = configmaps["hosho-console"]["data"]
    config = yaml.safe_load(cm["config.yaml"])
    console = config["console"]
    check(console["listen_host"] == "0.0.0.0" and console["port"] == http and console.get("tls_cert_file") and
          console.get("tls_key_file") and console.get("cookie_secure") is True,
          "%s console: pages over TLS on the http port, secure cookies" % where)
    check(console.get("feed_from_earliest") is False, "%s console: the feed does not replay the topics" % where)
    check(yaml.safe_load(cm.get("topics.yaml", "")) == yaml.safe_load(read("deploy/kafka/topics.yaml")),
          "%s console: its topics.yaml is the catalogue" % where)
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    check(mounts.get(console["topics_file"], {}).get("subPath") == "topics.yaml",
          "%s console: topics_file is the ConfigMap's topics.yaml" % where)
    for service in ("verification", "routing"):
        host, port = config[service]["target"].rsplit(":", 1)
        grpc = {p["name"]: p["port"] for p in services.get(host, {}).get("spec", {}).get("ports", [])}.get("grpc")
        check(host == "hosho-" + service and int(port) == grpc,
              "%s console: %s target %s is that Service's gRPC port" % (where, service, config[service]["target"]))
        check(config[service].get("dev_plaintext") is False and config[service].get("tls", {}).get("ca_file"),
              "%s console: calls %s over TLS" % (where, service))

        def names(peers):
            return {p.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") for p in peers}
        admitted = any(int(port) in [p["port"] for p in rule.get("ports", [])] and "hosho-console" in names(rule.get("from", []))
                       for rule in policies["hosho-" + service]["spec"].get("ingress", []))
        check(admitted, "%s: %s's NetworkPolicy admits the console on %s" % (where, service, port))
        allowed = any(int(port) in [p["port"] for p in rule.get("ports", [])] and "hosho-" + service in names(rule.get("to", []))
                      for rule in policies["hosho-console"]["spec"].get("egress", []))
        check(allowed, "%s: the console's NetworkPolicy lets it call %s" % (where, service))
    pages = [rule for rule in policies["hosho-console"]["spec"].get("ingress", [])
             if http in [p["port"] for p in rule.get("ports", [])]]
    check(len(pages) == 1 and pages[0].get("from") == values["console"]["httpClients"],
          "%s console: only console.httpClients reach the pages" % where)
    # The attachments: intake's claim, read only here.
    blob_mount = mounts.get(config["blobs"]["dir"], {})
    check(blob_mount.get("readOnly") is True, "%s console: blobs.dir is mounted read only" % where)
    volumes = {v["name"]: v for v in spec["volumes"]}
    claim = volumes.get(blob_mount.get("name"), {}).get("persistentVolumeClaim", {})
    intake_claims = [v["persistentVolumeClaim"]["claimName"] for v in
                     deployments["hosho-intake"]["spec"]["template"]["spec"]["volumes"] if "persistentVolumeClaim" in v]
    check(claim.get("claimName") in intake_claims and claim.get("readOnly") is True,
          "%s console: reads intake's attachment claim, read only" % where)
    if "trial" not in where:  # the trial is one node, where ReadWriteOnce serves both pods
        pvc = pvcs.get(claim.get("claimName"), {})
        check("ReadWriteMany" in pvc.get("spec", {}).get("accessModes", []),
              "%s: the attachment claim is ReadWriteMany (intake writes, the console reads, on any node)" % where)
    if ingress:
        ingresses = [x for x in docs if x["kind"] == "Ingress"]
        ok = len(ingresses) == 1
        if ok:
            spec = ingresses[0]["spec"]
            backend = spec["rules"][0]["http"]["paths"][0]["backend"]["service"]
            notes = ingresses[0]["metadata"].get("annotations", {})
            ok = (backend == {"name": "hosho-console", "port": {"name": "http"}} and spec.get("tls") and
                  notes.get("nginx.ingress.kubernetes.io/backend-protocol") == "HTTPS" and
                  notes.get("nginx.ingress.kubernetes.io/proxy-buffering") == "off")
        check(ok, "%s console: the Ingress serves the pages over TLS, re-encrypting, unbuffered" % where)


# ------------------------------------------------------------------------------------------- drift
def service_defaults(source_dir):
    text = read(source_dir, "defaults.yaml")
    grpc = re.search(r'listen: "127\.0\.0\.1:(\d+)"', text)
    admin = re.search(r"admin: \{port: (\d+)\}", text)
    return int(grpc.group(1)), int(admin.group(1))


def secrets_read(source_dir):
    sources = sorted(pathlib.Path(path(source_dir)).rglob("*.cc"))
    keys = set(re.findall(r'GetSecret\("([a-z_.]+)"\)', "".join(s.read_text(encoding="utf-8") for s in sources)))
    return {k.split(".")[-1] + "_file" for k in keys}


def check_drift(args, rendered):
    for chart_file, source in (("files/topics.yaml", "deploy/kafka/topics.yaml"),
                               ("files/rules.yaml", "deploy/routing/rules.yaml"),
                               ("files/offices.yaml", "deploy/city/offices.yaml"),
                               ("files/templates.yaml", "deploy/notification/templates.yaml"),
                               ("files/hosho-rules.yaml", "deploy/prometheus/hosho-rules.yaml"),
                               ("dashboards/hosho-overview.json", "deploy/grafana/hosho-overview.json")):
        check(filecmp.cmp(path("charts/hosho", chart_file), path(source), shallow=False),
              "charts/hosho/%s equals %s" % (chart_file, source))
    check(filecmp.cmp(path("deploy/k8s/overlays/trial/certificates.yaml"), path("deploy/demo/certificates.yaml"),
                      shallow=False), "the trial's certificates equal deploy/demo/certificates.yaml")
    # The plain manifests are exactly a fresh render of the chart.
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, path("deploy/k8s/generate.py"), args.helm, tmp], check=True)
        for dirpath, _, names in os.walk(tmp):
            for n in names:
                fresh = os.path.join(dirpath, n)
                committed = path("deploy/k8s", os.path.relpath(fresh, tmp))
                check(os.path.exists(committed) and filecmp.cmp(fresh, committed, shallow=False),
                      "deploy/k8s/%s is up to date (run deploy/k8s/generate.py)" % os.path.relpath(fresh, tmp))
    # Topics: every catalogue topic and its DLQ is a KafkaTopic with the catalogue's partitions and
    # retention (as an integer string: Helm reads numbers as float64, which print as 6.048e+08).
    catalogue = yaml.safe_load(read("deploy/kafka/topics.yaml"))["topics"]
    topics = {d["spec"]["topicName"]: d for d in rendered["all"] if d["kind"] == "KafkaTopic"}
    for t in catalogue:
        for name in [t["name"]] + ([t["name"] + ".dlq"] if t.get("dlq") else []):
            spec = topics.get(name, {}).get("spec", {})
            check(spec.get("partitions") == t["partitions"] and
                  spec.get("config", {}).get("retention.ms") == str(t["retention_ms"]),
                  "KafkaTopic %s with %s partitions, retention.ms %s (rendered %s, %s)" %
                  (name, t["partitions"], t["retention_ms"], spec.get("partitions"),
                   spec.get("config", {}).get("retention.ms")))
    # Ports and secrets the services read appear in the chart values and in every rendering.
    values = yaml.safe_load(read("charts/hosho/values.yaml"))
    for key, (component, _, source) in SERVICES.items():
        grpc, admin = service_defaults(source)
        check(values[key]["ports"]["grpc"] == grpc and values[key]["ports"]["admin"] == admin,
              "chart %s ports (%s, %s) = the service's defaults (%s, %s)" %
              (key, values[key]["ports"]["grpc"], values[key]["ports"]["admin"], grpc, admin))
        for where, objects in (("chart", rendered["full"]), ("kustomize trial", rendered["trial"]),
                               ("kustomize production", rendered["production"])):
            cm = objects["configmaps"].get("hosho-" + component)
            if cm is None:
                continue
            text = cm["data"]["config.yaml"]
            # With every feature on, every secret the service reads is configured (and, by check_objects,
            # mounted); the overlays keep optional features off, so only the shared secrets are checked there.
            wanted = {"principals_file", "password_file", "sasl_password_file"}
            if where == "chart":
                wanted |= secrets_read(source)
            for secret in wanted:
                check(secret in text, "%s: %s's config names %s" % (where, component, secret))
            ports = {p["name"]: p["containerPort"] for p in
                     objects["deployments"]["hosho-" + component]["spec"]["template"]["spec"]["containers"][0]["ports"]}
            check(ports.get("grpc") == grpc and ports.get("admin") == admin,
                  "%s: %s container ports = the service's defaults" % (where, component))


# ----------------------------------------------------------------------------- configs, read by the services
def check_service_configs(args, renderings):
    """Each service's config.yaml as the chart renders it (defaults and everything on), and every file
    hosho-stack writes, read by the service's own FromConfig over its embedded defaults.yaml
    (hosho-config-check, tests/deploy/config_check.cc): a refused value or an unknown key fails. The city's
    files are mounted from charts/hosho/files/, so their paths point there."""
    tool = os.path.join(args.bin_dir, "hosho-config-check")
    check(os.access(tool, os.X_OK), "%s is built" % tool)
    if not os.access(tool, os.X_OK):
        return
    for where, objects in renderings:
        with tempfile.TemporaryDirectory() as tmp:
            for key, (component, _, _) in SERVICES.items():
                cm = objects["configmaps"].get("hosho-" + component)
                if cm is None:
                    continue
                text = cm["data"]["config.yaml"].replace("/etc/hosho/city/", path("charts/hosho/files") + "/")
                with open(os.path.join(tmp, component + ".yaml"), "w", encoding="utf-8") as f:
                    f.write(text)
            r = subprocess.run([tool, "--source", ROOT, "--chart-dir", tmp], capture_output=True, text=True)
            for line in r.stdout.splitlines():
                if line.startswith(("ok", "FAIL")):
                    check(line.startswith("ok"), "%s: %s" % (where, line[4:].strip()))
            check(r.returncode == 0, "%s: hosho-config-check exits 0 (%s)" % (where, r.stderr.strip()[:300]))


def check_readme():
    """Every value of values.yaml is in the chart README's table (per-service values as <service>). A row's
    first cell names values in full, siblings after a full name as `.key`, and a subtree as `a.*`; a row
    naming a map (annotations, labels) covers its keys."""
    readme = read("charts/hosho/README.md")
    values = yaml.safe_load(read("charts/hosho/values.yaml"))
    documented = set()
    for line in readme.splitlines():
        if not line.startswith("| `"):
            continue
        previous = ""
        for name in re.findall(r"`([^`]+)`", line[1:].split(" | ")[0]):
            if name.startswith(".") and previous:
                name = previous.rsplit(".", 1)[0] + name
            documented.add(name[:-2] if name.endswith(".*") else name)
            previous = name

    def leaves(node, prefix):
        if isinstance(node, dict) and node and not prefix.endswith(("Selector", "Context", "resources")):
            for k, v in node.items():
                yield from leaves(v, prefix + "." + k if prefix else k)
        else:
            yield prefix
    for leaf in leaves(values, ""):
        parts = leaf.split(".")
        names = {leaf}
        if parts[0] in SERVICES:
            names.add("<service>." + ".".join(parts[1:]))
        ok = any(n == d or n.startswith(d + ".") for n in names for d in documented)
        check(ok, "charts/hosho/README.md documents %s" % leaf)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--helm", required=True, help="the helm binary (tests/deploy/setup_tools.sh)")
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--kubectl", default="kubectl")
    parser.add_argument("--k8svalidate", help="default: k8svalidate beside --helm")
    args = parser.parse_args()
    args.k8svalidate = args.k8svalidate or os.path.join(os.path.dirname(os.path.abspath(args.helm)), "k8svalidate")
    for tool in (args.helm, args.k8svalidate):
        if not os.access(tool, os.X_OK):
            sys.exit("%s is missing: run tests/deploy/setup_tools.sh .cache/tools" % tool)

    # Relative paths from the root: .yamllint's ignore patterns are written that way.
    r = subprocess.run(["yamllint", "-c", ".yamllint", "-f", "parsable", "deploy", "charts/hosho/values.yaml",
                        "charts/hosho/Chart.yaml", "charts/hosho/files"], capture_output=True, text=True, cwd=ROOT)
    check(r.returncode == 0, "yamllint: " + r.stdout.strip()[:2000])
    check_dockerfile(args)
    check_values()

    values = yaml.safe_load(read("charts/hosho/values.yaml"))
    drain = values["drainSeconds"]
    defaults = helm(args)
    notes = helm_notes(args)
    check("hosho-intake" in notes and "kubectl" in notes, "NOTES.txt renders with the services and next steps")
    everything_on = os.path.join(tempfile.mkdtemp(), "all.yaml")
    with open(everything_on, "w") as f:
        yaml.safe_dump({
            "serviceMonitor": {"enabled": True}, "dashboards": {"enabled": True}, "kafkaTopics": {"enabled": True},
            "prometheusRule": {"enabled": True},
            "intake": {"hpa": {"enabled": True}, "mail": {"enabled": True}},
            "verification": {"connector": {"enabled": True}},
            "notification": {"webhooks": [{"name": "keiyaku-system", "url": "https://k.example/hosho",
                                           "offices": ["contract-division"],
                                           "secret": {"existingSecret": "hosho-webhooks", "key": "keiyaku"}}],
                             "hpa": {"enabled": True, "externalMetrics": [{"name": "hosho_consumer_lag_seconds",
                                                                           "averageValue": "5"}]}},
            "platformSim": {"enabled": True},
            "console": {"ingress": {"enabled": True}, "trustedProxy": {"addresses": ["10.1.2.3"]}},
        }, f)
    full = helm(args, everything_on)
    helm_lint(args)
    helm_lint(args, everything_on)
    kinds = {d["kind"] for d in full}
    for kind in ("ServiceMonitor", "PrometheusRule", "KafkaTopic", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                 "NetworkPolicy"):
        check(kind in kinds, "the chart renders %s when enabled" % kind)
    check(any(d["kind"] == "ConfigMap" and "hosho-overview.json" in d.get("data", {}) for d in full),
          "the chart ships the Grafana dashboards as ConfigMaps")
    rules = [d for d in full if d["kind"] == "PrometheusRule"]
    check(len(rules) == 1 and rules[0]["spec"] == yaml.safe_load(read("deploy/prometheus/hosho-rules.yaml")),
          "the PrometheusRule carries deploy/prometheus/hosho-rules.yaml unchanged")
    chart = check_objects(defaults, "chart (defaults)", drain, CORE)
    full_objects = check_objects(full, "chart (everything on)", drain, CORE + ["platform-sim"])
    check_console(defaults, "chart (defaults)", values)
    check_console(full, "chart (everything on)", values, ingress=True)
    rendered = {"chart": chart, "full": full_objects, "all": full}
    for overlay, components in (("trial", CORE + ["platform-sim"]), ("production", CORE)):
        r = subprocess.run([args.kubectl, "kustomize", path("deploy/k8s/overlays", overlay)], capture_output=True,
                           text=True)
        check(r.returncode == 0, "kubectl kustomize %s: %s" % (overlay, r.stderr.strip()[:300]))
        validate(args, r.stdout, "kustomize " + overlay)
        docs = [d for d in yaml.safe_load_all(r.stdout) if d]
        ns = {d["metadata"].get("namespace") for d in docs}
        check(ns == {"hosho-" + overlay if overlay == "trial" else "hosho"}, "%s: every object in its namespace" % overlay)
        rendered[overlay] = check_objects(docs, "kustomize " + overlay, drain, components)
        check_console(docs, "kustomize " + overlay, values)
        if overlay == "trial":
            check(all(d["spec"].get("replicas") == 1 for d in rendered[overlay]["deployments"].values()),
                  "trial: one replica each (single node)")
        else:
            check(len([d for d in docs if d["kind"] == "HorizontalPodAutoscaler"]) == 4, "production: four autoscalers")
    check_drift(args, rendered)
    check_service_configs(args, (("chart (defaults)", chart), ("chart (everything on)", full_objects)))
    check_readme()

    print("%d checks, %d failed" % (checks, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
