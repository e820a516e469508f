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

{{/* The chart's own Secret: the passwords given as values, not in an existing Secret. */}}
{{- define "outbox-relay.chartSecret" -}}
{{- printf "%s-db" (include "outbox-relay.fullname" .) -}}
{{- end -}}

{{- define "outbox-relay.passwordSecret" -}}
{{- default (include "outbox-relay.chartSecret" .) .Values.database.existingSecret -}}
{{- end -}}

{{/* The check-back's business database password: its Secret and key. */}}
{{- define "outbox-relay.checkBackPasswordSecret" -}}
{{- default (include "outbox-relay.chartSecret" .) .Values.checkBack.database.existingSecret -}}
{{- end -}}

{{- define "outbox-relay.checkBackPasswordKey" -}}
{{- if .Values.checkBack.database.existingSecret -}}
{{- .Values.checkBack.database.existingSecretPasswordKey -}}
{{- else -}}
check-back-password
{{- end -}}
{{- end -}}

{{/* Whether the chart's Secret holds the check-back's password. */}}
{{- define "outbox-relay.checkBackPasswordInChartSecret" -}}
{{- if and .Values.checkBack.database.url (not .Values.checkBack.database.existingSecret) -}}
true
{{- end -}}
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
  value: {{ include "outbox-relay.scalar" $value | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
A value as the relay reads it. YAML files give Helm every number as a float64, which toString
prints in exponent form from 1e+06 on (1048576 -> "1.048576e+06", which neither Spring Boot nor
Kafka reads): whole numbers are printed as integers.
*/}}
{{- define "outbox-relay.scalar" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) -}}
{{- . | int64 | toString -}}
{{- else -}}
{{- . | toString -}}
{{- end -}}
{{- end -}}

{{/* The names of the environment variables the chart sets itself: extraEnv may not repeat them. */}}
{{- define "outbox-relay.chartEnvNames" -}}
{{- $names := list "JAVA_TOOL_OPTIONS" "SERVER_PORT" "SPRING_DATASOURCE_URL" "SPRING_DATASOURCE_USERNAME" "SPRING_DATASOURCE_PASSWORD" "OUTBOX_RELAY_KAFKA_BOOTSTRAP_SERVERS" "OUTBOX_RELAY_INSTANCE_ID" -}}
{{- range $property, $value := .Values.kafka.properties }}
{{- $names = append $names (printf "OUTBOX_RELAY_KAFKA_PROPERTIES_%s" ($property | upper | replace "." "_" | replace "-" "_")) -}}
{{- end }}
{{- toJson $names -}}
{{- end -}}

{{/* The metric selector of the alert rules and the dashboard: this release's scrape job. */}}
{{- define "outbox-relay.metricSelector" -}}
job="{{ include "outbox-relay.fullname" . }}"
{{- end -}}

{{/* The dashboard's Grafana uid (at most 40 characters), one per namespace and release. */}}
{{- define "outbox-relay.dashboardUid" -}}
{{- printf "outbox-relay-%s" (printf "%s/%s" .Release.Namespace (include "outbox-relay.fullname" .) | sha256sum | trunc 12) -}}
{{- end -}}
