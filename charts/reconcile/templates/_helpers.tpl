{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "reconcile.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects: the release name, prefixed by the chart name unless it contains it. */}}
{{- define "reconcile.fullname" -}}
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

{{- define "reconcile.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object. managed-by is Helm: these objects are the chart's, and carry none of the
reconcile.dev/instance labels, so the reconciler never prunes or adopts them.
*/}}
{{- define "reconcile.labels" -}}
helm.sh/chart: {{ include "reconcile.chart" . }}
{{ include "reconcile.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "reconcile.selectorLabels" -}}
app.kubernetes.io/name: {{ include "reconcile.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "reconcile.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "reconcile.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "reconcile.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret holding git credentials: the existing one, or the one this chart creates. */}}
{{- define "reconcile.gitSecretName" -}}
{{- default (printf "%s-git" (include "reconcile.fullname" .)) .Values.git.existingSecret }}
{{- end }}

{{/* True (non-empty) when the chart must create the git Secret; fails on missing credentials. */}}
{{- define "reconcile.createGitSecret" -}}
{{- if and (ne .Values.git.type "none") (not .Values.git.existingSecret) }}
{{- if and (eq .Values.git.type "https") (not .Values.git.https.token) }}
{{- fail "git.type=https needs git.existingSecret or git.https.token" }}
{{- end }}
{{- if and (eq .Values.git.type "ssh") (or (not .Values.git.ssh.privateKey) (not .Values.git.ssh.knownHosts)) }}
{{- fail "git.type=ssh needs git.existingSecret or both git.ssh.privateKey and git.ssh.knownHosts" }}
{{- end }}
{{- "true" }}
{{- end }}
{{- end }}

{{/* True (non-empty) when a webhook secret is configured. */}}
{{- define "reconcile.webhookEnabled" -}}
{{- if or .Values.webhook.secret .Values.webhook.existingSecret }}true{{ end }}
{{- end }}

{{- define "reconcile.webhookSecretName" -}}
{{- default (printf "%s-webhook" (include "reconcile.fullname" .)) .Values.webhook.existingSecret }}
{{- end }}

{{- define "reconcile.webhookSecretKey" -}}
{{- if .Values.webhook.existingSecret }}{{ .Values.webhook.existingSecretKey }}{{ else }}secret{{ end }}
{{- end }}

{{/* The pod's affinity: `affinity` when set, else the `podAntiAffinity` preset across nodes. */}}
{{- define "reconcile.affinity" -}}
{{- if .Values.affinity }}
{{- toYaml .Values.affinity }}
{{- else if eq .Values.podAntiAffinity "soft" }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "reconcile.selectorLabels" . | nindent 12 }}
{{- else if eq .Values.podAntiAffinity "hard" }}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "reconcile.selectorLabels" . | nindent 10 }}
{{- end }}
{{- end }}

{{/* Name of cluster-scoped objects: unique per release namespace, since several releases (config repos) may share a cluster. */}}
{{- define "reconcile.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "reconcile.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
