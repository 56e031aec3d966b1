// Package kubernetes holds overlayd's Kubernetes manifests (a DaemonSet on
// the hosts' network, a StatefulSet for load tests, their headless
// Services, a kind cluster) and the test that checks them. It has no Go
// code of its own: the manifests are YAML beside this file.
package kubernetes
