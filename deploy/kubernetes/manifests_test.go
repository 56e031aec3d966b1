package kubernetes

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The fields of Kubernetes objects this test checks, in the API's names.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Spec spec `yaml:"spec"`
	// kind's Cluster
	Name  string `yaml:"name"`
	Nodes []struct {
		Role string `yaml:"role"`
	} `yaml:"nodes"`
}

type spec struct {
	// Service
	ClusterIP                string         `yaml:"clusterIP"`
	PublishNotReadyAddresses bool           `yaml:"publishNotReadyAddresses"`
	Selector                 map[string]any `yaml:"selector"`
	Ports                    []port         `yaml:"ports"`
	// DaemonSet, StatefulSet
	ServiceName string `yaml:"serviceName"`
	Template    struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec podSpec `yaml:"spec"`
	} `yaml:"template"`
}

type port struct {
	Name          string `yaml:"name"`
	Port          int    `yaml:"port"`
	ContainerPort int    `yaml:"containerPort"`
	HostPort      int    `yaml:"hostPort"`
	Protocol      string `yaml:"protocol"`
}

type podSpec struct {
	HostNetwork     bool             `yaml:"hostNetwork"`
	DNSPolicy       string           `yaml:"dnsPolicy"`
	SecurityContext *securityContext `yaml:"securityContext"`
	InitContainers  []container      `yaml:"initContainers"`
	Containers      []container      `yaml:"containers"`
	Volumes         []struct {
		Name   string `yaml:"name"`
		Secret *struct {
			SecretName string `yaml:"secretName"`
		} `yaml:"secret"`
	} `yaml:"volumes"`
}

type container struct {
	Name            string           `yaml:"name"`
	Image           string           `yaml:"image"`
	Args            []string         `yaml:"args"`
	Ports           []port           `yaml:"ports"`
	StartupProbe    *probe           `yaml:"startupProbe"`
	LivenessProbe   *probe           `yaml:"livenessProbe"`
	ReadinessProbe  *probe           `yaml:"readinessProbe"`
	Resources       resources        `yaml:"resources"`
	SecurityContext *securityContext `yaml:"securityContext"`
}

type probe struct {
	HTTPGet *struct {
		Host string `yaml:"host"`
		Port int    `yaml:"port"`
		Path string `yaml:"path"`
	} `yaml:"httpGet"`
	Exec *struct {
		Command []string `yaml:"command"`
	} `yaml:"exec"`
	PeriodSeconds int `yaml:"periodSeconds"`
}

type resources struct {
	Requests map[string]string `yaml:"requests"`
	Limits   map[string]string `yaml:"limits"`
}

type securityContext struct {
	RunAsUser                *int  `yaml:"runAsUser"`
	RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
	FSGroup                  *int  `yaml:"fsGroup"`
	AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
	Capabilities             *struct {
		Drop []string `yaml:"drop"`
		Add  []string `yaml:"add"`
	} `yaml:"capabilities"`
}

// load parses every document of every manifest beside this file. The
// structs hold only the fields checked, so other fields are let through;
// a YAML error fails the test.
func load(t *testing.T) map[string][]object {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string][]object{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var o object
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, f)
			require.NotEmpty(t, o.Kind, "%s: a document without a kind", f)
			out[o.Kind] = append(out[o.Kind], o)
		}
	}
	return out
}

func find(t *testing.T, objs map[string][]object, kind, name string) object {
	t.Helper()
	for _, o := range objs[kind] {
		if o.Metadata.Name == name {
			return o
		}
	}
	t.Fatalf("no %s %q among the manifests", kind, name)
	return object{}
}

func portsOf(ps []port) map[string]port {
	m := map[string]port{}
	for _, p := range ps {
		m[p.Name] = p
	}
	return m
}

// checkAgent checks what every agent container must have, whatever runs it.
func checkAgent(t *testing.T, c container, seedService string) {
	t.Helper()
	ports := portsOf(c.Ports)
	require.Equal(t, port{Name: "gossip", ContainerPort: 7946, HostPort: ports["gossip"].HostPort, Protocol: "UDP"}, ports["gossip"])
	require.Equal(t, 7947, ports["api"].ContainerPort)
	require.Equal(t, "TCP", ports["api"].Protocol)
	require.Equal(t, "UDP", ports["dns-udp"].Protocol)
	require.Equal(t, "TCP", ports["dns-tcp"].Protocol)
	require.Equal(t, 7953, ports["dns-udp"].ContainerPort)
	require.Equal(t, 7953, ports["dns-tcp"].ContainerPort)

	require.Equal(t, "agent", c.Args[0])
	require.Contains(t, c.Args, "-join=dns+"+seedService+".overlayd.svc.cluster.local:7946", "joins through its headless Service")
	require.Contains(t, c.Args, "-bind=0.0.0.0:7946")
	for _, flag := range []string{"-node=", "-advertise=", "-ca-file=/etc/overlayd/tls/", "-cert-file=/etc/overlayd/tls/", "-key-file=/etc/overlayd/tls/", "-data-dir="} {
		require.True(t, slices.ContainsFunc(c.Args, func(a string) bool { return strings.HasPrefix(a, flag) }), "no %s…", flag)
	}

	for name, p := range map[string]*probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		require.NotNil(t, p, "%s probe", name)
		require.Positive(t, p.PeriodSeconds, "%s probe", name)
	}

	require.NotEmpty(t, c.Resources.Requests["cpu"])
	require.NotEmpty(t, c.Resources.Requests["memory"])
	require.NotEmpty(t, c.Resources.Limits["memory"], "a memory limit")

	sc := c.SecurityContext
	require.NotNil(t, sc)
	require.False(t, *sc.AllowPrivilegeEscalation)
	require.True(t, *sc.ReadOnlyRootFilesystem)
	require.Equal(t, []string{"ALL"}, sc.Capabilities.Drop)
	require.Empty(t, sc.Capabilities.Add)
}

// runsAsNonRoot reports whether c runs as a non-root user, from its own
// security context or the pod's.
func runsAsNonRoot(pod podSpec, c container) bool {
	user, nonRoot := (*int)(nil), (*bool)(nil)
	for _, sc := range []*securityContext{pod.SecurityContext, c.SecurityContext} {
		if sc == nil {
			continue
		}
		if sc.RunAsUser != nil {
			user = sc.RunAsUser
		}
		if sc.RunAsNonRoot != nil {
			nonRoot = sc.RunAsNonRoot
		}
	}
	return nonRoot != nil && *nonRoot && user != nil && *user != 0
}

func TestDaemonSetOnTheHostNetwork(t *testing.T) {
	objs := load(t)
	ds := find(t, objs, "DaemonSet", "overlayd")
	pod := ds.Spec.Template.Spec
	require.True(t, pod.HostNetwork)
	require.Equal(t, "ClusterFirstWithHostNet", pod.DNSPolicy, "a host-network pod resolves the Service's name through the cluster DNS")
	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]
	checkAgent(t, c, "overlayd-seeds")
	require.Equal(t, 7946, portsOf(c.Ports)["gossip"].HostPort)

	// The kubelet reaches the API on the node's loopback.
	for _, p := range []*probe{c.StartupProbe, c.LivenessProbe, c.ReadinessProbe} {
		require.NotNil(t, p.HTTPGet)
		require.Equal(t, "127.0.0.1", p.HTTPGet.Host)
		require.Equal(t, 7947, p.HTTPGet.Port)
		require.Equal(t, "/v1/agent/self", p.HTTPGet.Path)
	}

	require.True(t, runsAsNonRoot(pod, c), "host networking on unprivileged ports needs no root")
	// The one root step is the init container that hands the host's data
	// directory to the agent's user, with CHOWN and nothing else.
	require.Len(t, pod.InitContainers, 1)
	init := pod.InitContainers[0]
	require.Equal(t, []string{"CHOWN"}, init.SecurityContext.Capabilities.Add)
	require.Equal(t, []string{"ALL"}, init.SecurityContext.Capabilities.Drop)
	require.False(t, *init.SecurityContext.AllowPrivilegeEscalation)
	require.NotEmpty(t, init.Resources.Limits["memory"])
	require.NotNil(t, pod.SecurityContext.FSGroup, "the Secret's files readable by the agent's group")

	requireSecretVolume(t, pod, "overlayd-tls")
	svc := find(t, objs, "Service", "overlayd-seeds")
	requireHeadlessSeedService(t, svc, ds.Spec.Template.Metadata.Labels)
}

func TestStatefulSetForLoadTests(t *testing.T) {
	objs := load(t)
	ss := find(t, objs, "StatefulSet", "overlayd-loadtest")
	pod := ss.Spec.Template.Spec
	require.False(t, pod.HostNetwork, "many agents per machine: each in its own pod network")
	require.Equal(t, "overlayd-loadtest", ss.Spec.ServiceName)
	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]
	checkAgent(t, c, "overlayd-loadtest")
	require.Zero(t, portsOf(c.Ports)["gossip"].HostPort, "no host port: N agents on one machine")

	// The API is on the pod's loopback: the probes run overlayd status.
	for _, p := range []*probe{c.StartupProbe, c.LivenessProbe, c.ReadinessProbe} {
		require.NotNil(t, p.Exec)
		require.Equal(t, []string{"/usr/local/bin/overlayd", "status"}, p.Exec.Command[:2])
	}
	require.Contains(t, c.ReadinessProbe.Exec.Command, "-min-alive")

	require.True(t, runsAsNonRoot(pod, c))
	require.Empty(t, pod.InitContainers)
	requireSecretVolume(t, pod, "overlayd-loadtest-tls")
	requireHeadlessSeedService(t, find(t, objs, "Service", "overlayd-loadtest"), ss.Spec.Template.Metadata.Labels)
}

func requireSecretVolume(t *testing.T, pod podSpec, name string) {
	t.Helper()
	for _, v := range pod.Volumes {
		if v.Secret != nil && v.Secret.SecretName == name {
			return
		}
	}
	t.Fatalf("no volume from the Secret %s", name)
}

// requireHeadlessSeedService checks a Service that names the seeds: no
// cluster IP (its DNS name resolves to every pod), not-ready pods listed,
// the gossip port, and a selector that matches the pods.
func requireHeadlessSeedService(t *testing.T, svc object, podLabels map[string]string) {
	t.Helper()
	require.Equal(t, "None", svc.Spec.ClusterIP)
	require.True(t, svc.Spec.PublishNotReadyAddresses)
	require.Equal(t, port{Name: "gossip", Port: 7946, Protocol: "UDP"}, portsOf(svc.Spec.Ports)["gossip"])
	require.NotEmpty(t, svc.Spec.Selector)
	for k, v := range svc.Spec.Selector {
		require.Equal(t, v, podLabels[k], "selector %s", k)
	}
}

func TestEveryObjectIsInTheNamespace(t *testing.T) {
	objs := load(t)
	require.Len(t, objs["Namespace"], 1)
	for kind, list := range objs {
		for _, o := range list {
			switch kind {
			case "Namespace", "Cluster":
			default:
				require.Equal(t, "overlayd", o.Metadata.Namespace, "%s %s", kind, o.Metadata.Name)
			}
		}
	}
}

func TestKindClusterHasWorkers(t *testing.T) {
	clusters := load(t)["Cluster"]
	require.Len(t, clusters, 1)
	kind := clusters[0]
	require.Equal(t, "overlayd", kind.Name)
	require.Equal(t, "kind.x-k8s.io/v1alpha4", kind.APIVersion)
	roles := map[string]int{}
	for _, n := range kind.Nodes {
		roles[n.Role]++
	}
	require.Equal(t, 1, roles["control-plane"])
	require.GreaterOrEqual(t, roles["worker"], 2, "a DaemonSet needs several machines to show anything")
}
