{{/* Chart name, truncated to the DNS label limit. */}}
{{- define "curriculum.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified release name. */}}
{{- define "curriculum.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "curriculum.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Standard labels; call with (dict "root" $ "component" "controller"). */}}
{{- define "curriculum.labels" -}}
helm.sh/chart: {{ include "curriculum.chart" .root }}
{{ include "curriculum.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: curriculum
{{- end -}}

{{- define "curriculum.selectorLabels" -}}
app.kubernetes.io/name: {{ include "curriculum.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{- define "curriculum.componentName" -}}
{{- printf "%s-%s" (include "curriculum.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "curriculum.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "curriculum.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Name of the Secret with credentials, or empty when none is configured. */}}
{{- define "curriculum.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{- .Values.secrets.existingSecret -}}
{{- else if .Values.secrets.create -}}
{{- include "curriculum.fullname" . -}}
{{- end -}}
{{- end -}}

{{- define "curriculum.checkpointClaim" -}}
{{- default (printf "%s-checkpoints" (include "curriculum.fullname" .)) .Values.persistence.existingClaim -}}
{{- end -}}

{{/* The three components in a fixed order. */}}
{{- define "curriculum.components" -}}
controller
trainer
evaluator
{{- end -}}
