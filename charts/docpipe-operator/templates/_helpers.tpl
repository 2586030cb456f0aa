{{/*
The chart name, or nameOverride; 63 characters at most (a DNS label).
*/}}
{{- define "docpipe-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of every object: fullnameOverride, else the release name, with
the chart name appended unless the release name already contains it (so
`helm install docpipe-operator` names everything docpipe-operator, as the
cdk8s install objects do).
*/}}
{{- define "docpipe-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
chart-version, for the helm.sh/chart label.
*/}}
{{- define "docpipe-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The labels every object carries.
*/}}
{{- define "docpipe-operator.labels" -}}
helm.sh/chart: {{ include "docpipe-operator.chart" . }}
{{ include "docpipe-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ include "docpipe-operator.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: docpipe
{{- end }}

{{/*
The labels the Deployment selects its pods by; immutable once installed, so
nothing version-dependent.
*/}}
{{- define "docpipe-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "docpipe-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The ServiceAccount the operator runs as.
*/}}
{{- define "docpipe-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "docpipe-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image tag: image.tag, else the chart's appVersion.
*/}}
{{- define "docpipe-operator.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}
