package main

import (
	"context"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
)

// The testbed's dynamic provisioner: a PersistentVolume is a directory under the state dir. The
// agent only creates the PV (pre-bound through claimRef); kube-controller-manager's real PV binder
// completes the binding, and Released volumes are deleted with their directory.
const (
	provisionerName     = "testbed.rivven-render.dev/local-dir"
	defaultStorageClass = "standard"
)

type provisioner struct {
	client  kubernetes.Interface
	root    string
	claims  corelisters.PersistentVolumeClaimLister
	volumes corelisters.PersistentVolumeLister
	classes storagelisters.StorageClassLister
}

func newProvisioner(client kubernetes.Interface, f informers.SharedInformerFactory, root string) *provisioner {
	p := &provisioner{
		client:  client,
		root:    root,
		claims:  f.Core().V1().PersistentVolumeClaims().Lister(),
		volumes: f.Core().V1().PersistentVolumes().Lister(),
		classes: f.Storage().V1().StorageClasses().Lister(),
	}
	return p
}

func (p *provisioner) ensureStorageClass(ctx context.Context) error {
	del := v1.PersistentVolumeReclaimDelete
	mode := storagev1.VolumeBindingImmediate
	sc := &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{Name: defaultStorageClass,
			Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner: provisionerName, ReclaimPolicy: &del, VolumeBindingMode: &mode,
	}
	_, err := p.client.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// loop reconciles every 2 s: simple and robust against missed events.
func (p *provisioner) loop(ctx context.Context) {
	for {
		p.provisionPending(ctx)
		p.deleteReleased(ctx)
		if !sleepCtx(ctx, 2*time.Second) {
			return
		}
	}
}

func (p *provisioner) isOurs(className *string) bool {
	name := ""
	if className != nil {
		name = *className
	}
	if name == "" {
		return false // "" asks for static binding; unset is filled in by DefaultStorageClass admission
	}
	sc, err := p.classes.Get(name)
	return err == nil && sc.Provisioner == provisionerName
}

func (p *provisioner) provisionPending(ctx context.Context) {
	claims, _ := p.claims.List(labels.Everything())
	for _, c := range claims {
		if c.Status.Phase != v1.ClaimPending || c.Spec.VolumeName != "" || c.DeletionTimestamp != nil || !p.isOurs(c.Spec.StorageClassName) {
			continue
		}
		name := "pvc-" + string(c.UID)
		if _, err := p.volumes.Get(name); err == nil {
			continue
		}
		dir := filepath.Join(p.root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Printf("provision %s/%s: %v", c.Namespace, c.Name, err)
			continue
		}
		size, ok := c.Spec.Resources.Requests[v1.ResourceStorage]
		if !ok {
			size = resource.MustParse("1Gi")
		}
		modes := c.Spec.AccessModes
		if len(modes) == 0 {
			modes = []v1.PersistentVolumeAccessMode{v1.ReadWriteOnce}
		}
		dirType := v1.HostPathDirectoryOrCreate
		pv := &v1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{
				"pv.kubernetes.io/provisioned-by": provisionerName}},
			Spec: v1.PersistentVolumeSpec{
				Capacity:                      v1.ResourceList{v1.ResourceStorage: size},
				AccessModes:                   modes,
				PersistentVolumeReclaimPolicy: v1.PersistentVolumeReclaimDelete,
				StorageClassName:              *c.Spec.StorageClassName,
				VolumeMode:                    c.Spec.VolumeMode,
				ClaimRef: &v1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
					Namespace: c.Namespace, Name: c.Name, UID: c.UID},
				PersistentVolumeSource: v1.PersistentVolumeSource{HostPath: &v1.HostPathVolumeSource{Path: dir, Type: &dirType}},
			},
		}
		if _, err := p.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			log.Printf("provision %s/%s: %v", c.Namespace, c.Name, err)
			continue
		}
		log.Printf("provisioned %s for %s/%s at %s", name, c.Namespace, c.Name, dir)
	}
}

func (p *provisioner) deleteReleased(ctx context.Context) {
	volumes, _ := p.volumes.List(labels.Everything())
	for _, pv := range volumes {
		if pv.Annotations["pv.kubernetes.io/provisioned-by"] != provisionerName ||
			pv.Spec.PersistentVolumeReclaimPolicy != v1.PersistentVolumeReclaimDelete ||
			(pv.Status.Phase != v1.VolumeReleased && pv.Status.Phase != v1.VolumeFailed) {
			continue
		}
		if pv.Spec.HostPath != nil && strings.HasPrefix(pv.Spec.HostPath.Path, p.root+string(os.PathSeparator)) {
			if err := os.RemoveAll(pv.Spec.HostPath.Path); err != nil {
				log.Printf("delete %s: %v", pv.Name, err)
				continue
			}
		}
		err := p.client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			log.Printf("delete %s: %v", pv.Name, err)
			continue
		}
		log.Printf("deleted released volume %s", pv.Name)
	}
}
