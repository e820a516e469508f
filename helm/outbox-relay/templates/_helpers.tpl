{{/* The release's full name, at most 63 characters (a DNS label). */}}
{{- define "outbox-relay.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "outbox-relay.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "outbox-relay.labels" -}}
{{ include "outbox-relay.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "outbox-relay.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "outbox-relay.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "outbox-relay.passwordSecret" -}}
{{- default (printf "%s-db" (include "outbox-relay.fullname" .)) .Values.database.existingSecret -}}
{{- end -}}

{{/*
The relay settings as environment variables: outbox.relay.<path> becomes OUTBOX_RELAY_<PATH>
(upper case, dots and dashes as underscores), as Spring Boot binds them. Nested maps recurse.
*/}}
{{- define "outbox-relay.settingsEnv" -}}
{{- $prefix := .prefix -}}
{{- range $name, $value := .settings }}
{{- $var := printf "%s_%s" $prefix ($name | upper | replace "-" "_" | replace "." "_") }}
{{- if kindIs "map" $value }}
{{- include "outbox-relay.settingsEnv" (dict "prefix" $var "settings" $value) }}
{{- else }}
- name: {{ $var }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The metric selector of the alert rules and the dashboard: this release's scrape job. */}}
{{- define "outbox-relay.metricSelector" -}}
job="{{ include "outbox-relay.fullname" . }}"
{{- end -}}
