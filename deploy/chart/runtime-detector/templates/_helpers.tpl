{{/*
The chart's name, as a label value (at most 63 characters).
*/}}
{{- define "runtime-detector.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The name of the DaemonSet: the release's name when it already says runtime-detector (so
that release runtime-detector gives runtime-detector, not runtime-detector-runtime-detector),
else release-chart. Cut to 63 characters, the limit of a label value.
*/}}
{{- define "runtime-detector.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
The chart label: name-version ('+' is not allowed in a label value).
*/}}
{{- define "runtime-detector.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The labels that select the pods: name and instance only, since a DaemonSet's selector
cannot change and the other labels do with every version.
*/}}
{{- define "runtime-detector.selectorLabels" -}}
app.kubernetes.io/name: {{ include "runtime-detector.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The recommended labels, on the DaemonSet and its pods.
*/}}
{{- define "runtime-detector.labels" -}}
helm.sh/chart: {{ include "runtime-detector.chart" . }}
{{ include "runtime-detector.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Whether a value is set: neither missing (null) nor empty. A value is tested through its
string form, so that minDuration 0 (a number once parsed from YAML or --set) counts as set.
*/}}
{{- define "runtime-detector.isSet" -}}
{{- if and (not (kindIs "invalid" .)) (ne (toString .) "") }}true{{ end }}
{{- end }}

{{/*
The detector's arguments as a YAML list: the single-valued flags in a fixed order, then the
repeatable ones once per value, then extraArgs as given. Built as a list and written by
toYaml, which quotes an argument only where YAML needs it.
*/}}
{{- define "runtime-detector.args" -}}
{{- $args := list }}
{{- $single := list (list "format" .Values.format) (list "min-duration" .Values.minDuration) (list "stats-interval" .Values.statsInterval) (list "env-prefix" .Values.envPrefix) (list "cri-socket" .Values.containerNames.criSocket) }}
{{- range $single }}
{{- if include "runtime-detector.isSet" (index . 1) }}
{{- $args = append $args (printf "--%s=%v" (index . 0) (index . 1)) }}
{{- end }}
{{- end }}
{{- $repeatable := list (list "env" .Values.envKeys) (list "exclude-exe" .Values.excludeExecutables) (list "open-trigger" .Values.openTriggers) }}
{{- range $repeatable }}
{{- $flag := index . 0 }}
{{- range (index . 1) }}
{{- if include "runtime-detector.isSet" . }}
{{- $args = append $args (printf "--%s=%v" $flag .) }}
{{- end }}
{{- end }}
{{- end }}
{{- range .Values.extraArgs }}
{{- $args = append $args (toString .) }}
{{- end }}
{{- toYaml $args }}
{{- end }}

{{/*
The Kafka producer properties as RD_KAFKA_PROPERTY wants them: one KEY=VALUE per line
(a value may hold commas), in the keys' order.
*/}}
{{- define "runtime-detector.kafkaProperties" -}}
{{- $lines := list }}
{{- range $key, $value := . }}
{{- $lines = append $lines (printf "%s=%v" $key $value) }}
{{- end }}
{{- join "\n" $lines }}
{{- end }}

{{/*
The pin directory inside the container: below the node's BPF filesystem, mounted at /sys/fs/bpf.
*/}}
{{- define "runtime-detector.pinDir" -}}
{{- printf "/sys/fs/bpf/%s" .Values.pinning.dir | quote }}
{{- end }}

{{/*
The detector's security context, the same for the unpin init container: the least the
detector needs, each setting with why it is there.
*/}}
{{- define "runtime-detector.securityContext" -}}
# Capabilities are granted to root only; nothing else of root's remains.
runAsUser: 0
privileged: false
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
  add:
    - BPF              # load the eBPF programs and maps
    - PERFMON          # attach tracing programs (tp_btf) and read kernel memory from them
    - SYS_PTRACE       # read /proc/PID/environ, exe and ns/pid of other processes
    - DAC_READ_SEARCH  # ... environ is mode 0400, readable by its owner only
    {{- if .Values.oldKernelMemlock }}
    - SYS_RESOURCE     # raise RLIMIT_MEMLOCK, which 5.8-5.10 kernels charge eBPF maps to
    {{- end }}
# The runtimes' default seccomp profiles allow bpf(2) only with CAP_SYS_ADMIN on
# older releases, and their default AppArmor profile denies reading the /proc
# entries of processes outside the container (ptrace read). Neither adds
# privilege beyond the capabilities above.
seccompProfile:
  type: Unconfined
appArmorProfile:
  type: Unconfined
{{- end }}
