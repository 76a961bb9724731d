{{/* Every object's labels: the install's own, and Helm's. */}}
{{- define "seccomp-operator.labels" -}}
app.kubernetes.io/part-of: seccomp-operator
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/* The selector of a component's pods: never Helm's labels, which change with each chart version. */}}
{{- define "seccomp-operator.selector" -}}
app.kubernetes.io/name: seccomp-operator
app.kubernetes.io/component: {{ . }}
{{- end }}

{{- define "seccomp-operator.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* A Namespace the chart creates is kept on uninstall: it holds the release record, or your profiles. */}}
{{- define "seccomp-operator.namespace" -}}
apiVersion: v1
kind: Namespace
metadata:
  name: {{ .name }}
  labels:
    {{- include "seccomp-operator.labels" .root | nindent 4 }}
    {{- with .labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    helm.sh/resource-policy: keep
{{- end }}

{{/* How Prometheus reaches /metrics: HTTPS with authorization, or plain HTTP when metrics.auth is none. */}}
{{- define "seccomp-operator.metricsScheme" -}}
{{- if eq .Values.metrics.auth "none" }}http{{ else }}https{{ end }}
{{- end }}
