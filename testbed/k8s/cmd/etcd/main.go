// Command etcd is the etcd server built from the go.etcd.io/etcd/server/v3 version that the pinned
// Kubernetes release itself depends on, so the control plane and its store share one module graph.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
