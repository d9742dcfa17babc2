{{/* Names, labels and the pieces every Deployment shares. */}}

{{- define "ii.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ii.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "api") */}}
{{- define "ii.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ii.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "ii.secretName" -}}
{{- .Values.existingSecret | default (printf "%s-secrets" (include "ii.fullname" .)) -}}
{{- end -}}

{{- define "ii.automationSecretName" -}}
{{- .Values.automationSecrets.existingSecret | default (printf "%s-automation-secrets" (include "ii.fullname" .)) -}}
{{- end -}}

{{/* Variables that carry secrets (config.ts SECRET_VARIABLES and the optional integrations): never in the ConfigMap. */}}
{{- define "ii.secretKeys" -}}
DATABASE_URL INSIGHTS_MASTER_KEY INSIGHTS_MASTER_KEY_PREVIOUS JWT_SECRET OPENAI_API_KEY PINECONE_API_KEY AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN SMTP_URL TEMPORAL_API_KEY SENTRY_DSN METRICS_TOKEN
{{- end -}}

{{/* Secret variables one process receives, each from the Secret and optional: (dict "root" $ "keys" (list ...)) */}}
{{- define "ii.secretEnv" -}}
{{- range .keys }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ include "ii.secretName" $.root }}
      key: {{ . }}
      optional: true
{{- end }}
{{- end -}}

{{/* The client certificate for Temporal mTLS, mounted read-only where TEMPORAL_TLS_*_PATH point. */}}
{{- define "ii.temporalTlsVolumeMount" -}}
{{- if .Values.temporal.mtls.enabled }}
- name: temporal-tls
  mountPath: /etc/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "ii.temporalTlsVolume" -}}
{{- if .Values.temporal.mtls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ required "temporal.mtls.secretName is required with mTLS" .Values.temporal.mtls.secretName }}
{{- end }}
{{- end -}}

{{/* The worker pod spec: (dict "root" $ "component" "worker" "values" .Values.worker "role" "main" "secretKeys" (list ...)) */}}
{{- define "ii.workerDeployment" -}}
{{- $root := .root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "ii.fullname" $root }}-{{ .component }}
  labels:
    {{- include "ii.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not .values.autoscaling.enabled }}
  replicas: {{ .values.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "ii.selectorLabels" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "ii.selectorLabels" (dict "root" $root "component" .component) | nindent 8 }}
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if or .values.serviceAccount.create .values.serviceAccount.name }}
      serviceAccountName: {{ .values.serviceAccount.name | default (printf "%s-%s" (include "ii.fullname" $root) .component) }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      # Longer than the worker's own shutdown grace: SIGTERM stops polling, in-flight activities finish, then it exits.
      terminationGracePeriodSeconds: {{ .values.terminationGracePeriodSeconds }}
      containers:
        - name: {{ .component }}
          image: {{ include "ii.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: ["node", "temporal/worker.ts"]
          envFrom:
            - configMapRef:
                name: {{ include "ii.fullname" $root }}-config
            {{- if eq .component "automation-worker" }}
            - secretRef:
                name: {{ include "ii.automationSecretName" $root }}
                optional: true
            {{- end }}
          env:
            - name: WORKER_ROLE
              value: {{ .role }}
            - name: WORKER_HEALTH_HOST
              value: 0.0.0.0
            - name: WORKER_HEALTH_PORT
              value: {{ .values.healthPort | quote }}
            - name: WORKER_SHUTDOWN_GRACE_SECONDS
              value: {{ .values.shutdownGraceSeconds | quote }}
            {{- include "ii.secretEnv" (dict "root" $root "keys" .secretKeys) | nindent 12 }}
          ports:
            - name: health
              containerPort: {{ .values.healthPort }}
          # Bundling the workflows takes a while at start.
          startupProbe:
            httpGet: { path: /healthz, port: health }
            periodSeconds: 5
            failureThreshold: 36
          # Fails only when the worker failed: a draining worker is left to finish.
          livenessProbe:
            httpGet: { path: /healthz, port: health }
            periodSeconds: 15
            timeoutSeconds: 5
            failureThreshold: 4
          readinessProbe:
            httpGet: { path: /readyz, port: health }
            periodSeconds: 10
            timeoutSeconds: 5
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- include "ii.temporalTlsVolumeMount" $root | nindent 12 }}
      volumes:
        - name: tmp
          emptyDir: {}
        {{- include "ii.temporalTlsVolume" $root | nindent 8 }}
      {{- with .values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* An HPA on the task queue's backlog (an external metric): (dict "root" $ "component" "worker" "values" .Values.worker "taskQueue" "...") */}}
{{- define "ii.workerHpa" -}}
{{- if .values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "ii.fullname" .root }}-{{ .component }}
  labels:
    {{- include "ii.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "ii.fullname" .root }}-{{ .component }}
  minReplicas: {{ .values.autoscaling.minReplicas }}
  maxReplicas: {{ .values.autoscaling.maxReplicas }}
  metrics:
    - type: External
      external:
        metric:
          name: {{ .values.autoscaling.metricName }}
          selector:
            matchLabels:
              task_queue: {{ .taskQueue | quote }}
        target:
          type: AverageValue
          averageValue: {{ .values.autoscaling.targetBacklogPerPod | quote }}
  behavior:
    # Scale up quickly on a backlog, down slowly (a draining worker finishes its activities first).
    scaleUp:
      stabilizationWindowSeconds: 30
    scaleDown:
      stabilizationWindowSeconds: 300
{{- end }}
{{- end -}}
