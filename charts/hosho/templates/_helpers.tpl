{{/* Names: "<release>-<component>", or "hosho-<component>" when the release is called hosho. */}}
{{- define "hosho.fullname" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}
{{- if eq $root.Release.Name "hosho" -}}hosho-{{ $name }}{{- else -}}{{ $root.Release.Name }}-hosho-{{ $name }}{{- end -}}
{{- end -}}

{{- define "hosho.labels" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}
app.kubernetes.io/name: hosho-{{ $name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ $name }}
app.kubernetes.io/part-of: hosho
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
{{- if eq $root.Release.Service "Helm" }}
helm.sh/chart: hosho-{{ $root.Chart.Version }}
{{- end }}
{{- end -}}

{{- define "hosho.selectorLabels" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}
app.kubernetes.io/name: hosho-{{ $name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- end -}}

{{- define "hosho.image" -}}
{{- $i := .Values.global.image -}}
{{ $i.registry }}/{{ $i.repository }}:{{ default .Chart.AppVersion $i.tag }}
{{- end -}}

{{/* A secret file mounted from an existing Secret: [root, volumeName, {existingSecret, key}]. */}}
{{- define "hosho.secretVolume" -}}
{{- $name := index . 1 -}}{{- $ref := index . 2 -}}
- name: {{ $name }}
  secret:
    secretName: {{ required (printf "%s: existingSecret is required" $name) $ref.existingSecret }}
    defaultMode: 0400
    items: [{key: {{ $ref.key | quote }}, path: {{ $ref.key | quote }}}]
{{- end -}}

{{/* The configuration every service shares (services/common). [root, component values] */}}
{{- define "hosho.commonConfig" -}}
{{- $root := index . 0 -}}{{- $c := index . 1 -}}{{- $g := $root.Values.global -}}
log: {level: {{ $g.logLevel }}}
grpc:
  listen: "0.0.0.0:{{ $c.ports.grpc }}"
  health_listen: "0.0.0.0:{{ $c.ports.probe }}"
  dev_plaintext: false
  drain_timeout_ms: {{ mul $root.Values.drainSeconds 1000 }}
  tls:
    cert_file: /etc/hosho/tls/tls.crt
    key_file: /etc/hosho/tls/tls.key
    {{- if $g.tls.requireClientCertificates }}
    client_ca_file: /etc/hosho/tls/ca.crt
    {{- end }}
admin: {host: 0.0.0.0, port: {{ $c.ports.admin }}}
kafka:
  bootstrap_servers: {{ $g.kafka.bootstrapServers | quote }}
  sasl_password_file: /etc/hosho/secrets/kafka/{{ $g.kafka.saslPasswordSecret.key }}
  properties:
    security.protocol: {{ $g.kafka.securityProtocol | quote }}
    {{- if hasPrefix "SASL" $g.kafka.securityProtocol }}
    sasl.mechanism: {{ $g.kafka.saslMechanism | quote }}
    sasl.username: {{ $g.kafka.saslUsername | quote }}
    {{- end }}
    {{- if $g.kafka.caSecret.existingSecret }}
    ssl.ca.location: /etc/hosho/secrets/kafka-ca/{{ $g.kafka.caSecret.key }}
    {{- end }}
redis:
  host: {{ $g.redis.host | quote }}
  port: {{ $g.redis.port }}
  username: {{ $g.redis.username | quote }}
  password_file: /etc/hosho/secrets/redis/{{ $g.redis.passwordSecret.key }}
auth: {principals_file: /etc/hosho/secrets/principals/{{ $g.principals.key }}}
{{- end -}}

{{/* Volumes every service mounts: config, city data, TLS, Kafka and Redis credentials, principals, /tmp. */}}
{{- define "hosho.commonVolumes" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}{{- $g := $root.Values.global -}}
- name: config
  configMap: {name: {{ include "hosho.fullname" (list $root $name) }}}
- name: city
  configMap: {name: {{ default (include "hosho.fullname" (list $root "city")) $g.city.existingConfigMap }}}
- name: tls
  secret: {secretName: {{ required "global.tls.existingSecret is required" $g.tls.existingSecret }}, defaultMode: 0400}
{{ include "hosho.secretVolume" (list $root "kafka" $g.kafka.saslPasswordSecret) }}
{{- if $g.kafka.caSecret.existingSecret }}
{{ include "hosho.secretVolume" (list $root "kafka-ca" $g.kafka.caSecret) }}
{{- end }}
{{ include "hosho.secretVolume" (list $root "redis" $g.redis.passwordSecret) }}
{{ include "hosho.secretVolume" (list $root "principals" $g.principals) }}
- name: tmp
  emptyDir: {medium: Memory, sizeLimit: 64Mi}
{{- end -}}

{{- define "hosho.commonMounts" -}}
{{- $root := . -}}
- {name: config, mountPath: /etc/hosho/config.yaml, subPath: config.yaml, readOnly: true}
- {name: city, mountPath: /etc/hosho/city, readOnly: true}
- {name: tls, mountPath: /etc/hosho/tls, readOnly: true}
- {name: kafka, mountPath: /etc/hosho/secrets/kafka, readOnly: true}
{{- if $root.Values.global.kafka.caSecret.existingSecret }}
- {name: kafka-ca, mountPath: /etc/hosho/secrets/kafka-ca, readOnly: true}
{{- end }}
- {name: redis, mountPath: /etc/hosho/secrets/redis, readOnly: true}
- {name: principals, mountPath: /etc/hosho/secrets/principals, readOnly: true}
- {name: tmp, mountPath: /tmp}
{{- end -}}

{{/*
The workload of one service: ServiceAccount, Deployment and Service.
dict: root, name (component), binary, values (the component's block), volumes, mounts (YAML lists as text),
configChecksum (rolls the pods when the config changes), httpsPorts (optional: [{name, port}], HTTPS ports
beside gRPC: intake's web form webhook, the console's pages).
*/}}
{{- define "hosho.workload" -}}
{{- $root := .root -}}{{- $name := .name -}}{{- $c := .values -}}{{- $full := include "hosho.fullname" (list $root $name) -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $full }}
  labels:
    {{- include "hosho.labels" (list $root $name) | nindent 4 }}
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $full }}
  labels:
    {{- include "hosho.labels" (list $root $name) | nindent 4 }}
spec:
  {{- if not $c.hpa.enabled }}
  replicas: {{ $c.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "hosho.selectorLabels" (list $root $name) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
  template:
    metadata:
      labels:
        {{- include "hosho.labels" (list $root $name) | nindent 8 }}
      annotations:
        checksum/config: {{ .configChecksum }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $c.ports.admin | quote }}
    spec:
      serviceAccountName: {{ $full }}
      automountServiceAccountToken: false
      {{- with $root.Values.global.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "hosho.selectorLabels" (list $root $name) | nindent 14 }}
      containers:
        - name: {{ $name }}
          image: {{ include "hosho.image" $root }}
          imagePullPolicy: {{ $root.Values.global.image.pullPolicy }}
          command: ["/usr/local/bin/{{ .binary }}", "--config=/etc/hosho/config.yaml"]
          ports:
            - {name: grpc, containerPort: {{ $c.ports.grpc }}, protocol: TCP}
            - {name: admin, containerPort: {{ $c.ports.admin }}, protocol: TCP}
            - {name: probe, containerPort: {{ $c.ports.probe }}, protocol: TCP}
            {{- range .httpsPorts }}
            - {name: {{ .name }}, containerPort: {{ .port }}, protocol: TCP}
            {{- end }}
          # Native gRPC probes on the health-only port: SERVING once the server runs, NOT_SERVING while
          # draining. They never look at Kafka or Redis (an outage there must not restart every pod).
          startupProbe:
            grpc: {port: {{ $c.ports.probe }}}
            periodSeconds: 2
            failureThreshold: 30
          readinessProbe:
            grpc: {port: {{ $c.ports.probe }}}
            initialDelaySeconds: {{ $c.probes.initialDelaySeconds }}
            periodSeconds: {{ $c.probes.periodSeconds }}
            failureThreshold: {{ $c.probes.failureThreshold }}
          livenessProbe:
            grpc: {port: {{ $c.ports.probe }}}
            periodSeconds: {{ mul $c.probes.periodSeconds 2 }}
            failureThreshold: {{ $c.probes.failureThreshold }}
          env:
            - {name: TZ, value: Asia/Tokyo}
            {{- with $c.env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          resources:
            {{- toYaml $c.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            {{- include "hosho.commonMounts" $root | nindent 12 }}
            {{- with .mounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "hosho.commonVolumes" (list $root $name) | nindent 8 }}
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $full }}
  labels:
    {{- include "hosho.labels" (list $root $name) | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "hosho.selectorLabels" (list $root $name) | nindent 4 }}
  ports:
    - {name: grpc, port: {{ $c.ports.grpc }}, targetPort: grpc, appProtocol: grpc}
    - {name: admin, port: {{ $c.ports.admin }}, targetPort: admin, appProtocol: http}
    {{- range .httpsPorts }}
    - {name: {{ .name }}, port: {{ .port }}, targetPort: {{ .name }}, appProtocol: https}
    {{- end }}
{{- end -}}
