{{- define "comb.labels" -}}
app.kubernetes.io/name: comb
app.kubernetes.io/component: admission
app.kubernetes.io/instance: {{ .Values.service }}
{{- end -}}

{{- define "comb.excluded" -}}
{{- $list := concat (list "kube-system" .Release.Namespace) .Values.excludeNamespaces | uniq | sortAlpha -}}
{{- toJson $list -}}
{{- end -}}
