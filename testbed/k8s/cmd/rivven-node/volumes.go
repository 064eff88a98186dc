package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	authv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// prepareVolumes materialises every pod volume as a host directory and returns name -> path.
// ConfigMap/Secret/downward API contents are written afresh at every container start (a restart
// picks up changes, as with subPath mounts on a real kubelet); emptyDirs live as long as the pod;
// PVC directories belong to their PersistentVolume and outlive the pod.
func (w *podWorker) prepareVolumes(ctx context.Context) (map[string]string, error) {
	pod := w.currentPod()
	fsGroup := podFSGroup(pod)
	paths := map[string]string{}
	for _, vol := range pod.Spec.Volumes {
		dir := filepath.Join(w.dir, "volumes", vol.Name)
		var err error
		switch {
		case vol.EmptyDir != nil:
			err = ensureDir(dir, 0o777)
			if err == nil {
				err = os.Chmod(dir, 0o777) // kubelet makes emptyDirs world-writable
			}
		case vol.ConfigMap != nil:
			err = w.writeConfigMapVolume(ctx, dir, vol.ConfigMap)
		case vol.Secret != nil:
			err = w.writeSecretVolume(ctx, dir, vol.Secret)
		case vol.DownwardAPI != nil:
			err = w.writeFiles(dir, w.downwardFiles(pod, vol.DownwardAPI.Items, vol.DownwardAPI.DefaultMode))
		case vol.Projected != nil:
			err = w.writeProjectedVolume(ctx, dir, vol.Projected)
		case vol.PersistentVolumeClaim != nil:
			dir, err = w.claimDir(ctx, vol.PersistentVolumeClaim.ClaimName)
		case vol.Ephemeral != nil:
			dir, err = w.claimDir(ctx, pod.Name+"-"+vol.Name)
		case vol.HostPath != nil:
			dir = vol.HostPath.Path
		default:
			err = fmt.Errorf("volume type is not supported by the rivven-render testbed")
		}
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", vol.Name, err)
		}
		if fsGroup != nil && vol.HostPath == nil {
			if err := applyFSGroup(dir, *fsGroup, vol.PersistentVolumeClaim != nil || vol.Ephemeral != nil || vol.EmptyDir != nil); err != nil {
				return nil, fmt.Errorf("volume %q: fsGroup: %w", vol.Name, err)
			}
		}
		paths[vol.Name] = dir
	}
	return paths, nil
}

func ensureDir(dir string, mode os.FileMode) error { return os.MkdirAll(dir, mode) }

// applyFSGroup does what the kubelet's volume ownership management does: group-own everything by
// fsGroup, make it group-readable (and group-writable plus setgid for writable volumes).
func applyFSGroup(dir string, gid int64, writable bool) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, -1, int(gid)); err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode()
		extra := os.FileMode(0o040)
		if writable {
			extra |= 0o020
		}
		if d.IsDir() {
			extra |= 0o010 | os.ModeSetgid
		}
		return os.Chmod(p, mode|extra)
	})
}

type volumeFile struct {
	path string
	data []byte
	mode os.FileMode
}

// writeFiles replaces the directory's contents with exactly these files. The directory itself is
// kept: running containers of the pod have it bind-mounted.
func (w *podWorker) writeFiles(dir string, files []volumeFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.Clean("/"+f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, f.mode); err != nil {
			return err
		}
		if err := os.Chmod(p, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func fileMode(itemMode, defaultMode *int32) os.FileMode {
	if itemMode != nil {
		return os.FileMode(*itemMode)
	}
	if defaultMode != nil {
		return os.FileMode(*defaultMode)
	}
	return 0o644
}

// keyedFiles turns key/value data into files, honouring items (key -> path, mode) when given.
func keyedFiles(data map[string][]byte, items []v1.KeyToPath, defaultMode *int32, optional bool, what string) ([]volumeFile, error) {
	var files []volumeFile
	if len(items) == 0 {
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			files = append(files, volumeFile{k, data[k], fileMode(nil, defaultMode)})
		}
		return files, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, fmt.Errorf("key %q not found in %s", it.Key, what)
		}
		files = append(files, volumeFile{it.Path, v, fileMode(it.Mode, defaultMode)})
	}
	return files, nil
}

func (w *podWorker) configMapFiles(ctx context.Context, name string, items []v1.KeyToPath, defaultMode *int32, optional *bool) ([]volumeFile, error) {
	pod := w.currentPod()
	cm, err := w.a.node.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if isOptional(optional) {
			return nil, nil
		}
		return nil, fmt.Errorf("configmap %q: %w", name, err)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keyedFiles(data, items, defaultMode, isOptional(optional), "configmap "+name)
}

func (w *podWorker) secretFiles(ctx context.Context, name string, items []v1.KeyToPath, defaultMode *int32, optional *bool) ([]volumeFile, error) {
	pod := w.currentPod()
	s, err := w.a.node.CoreV1().Secrets(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if isOptional(optional) {
			return nil, nil
		}
		return nil, fmt.Errorf("secret %q: %w", name, err)
	}
	return keyedFiles(s.Data, items, defaultMode, isOptional(optional), "secret "+name)
}

func (w *podWorker) writeConfigMapVolume(ctx context.Context, dir string, src *v1.ConfigMapVolumeSource) error {
	files, err := w.configMapFiles(ctx, src.Name, src.Items, src.DefaultMode, src.Optional)
	if err != nil {
		return err
	}
	return w.writeFiles(dir, files)
}

func (w *podWorker) writeSecretVolume(ctx context.Context, dir string, src *v1.SecretVolumeSource) error {
	files, err := w.secretFiles(ctx, src.SecretName, src.Items, src.DefaultMode, src.Optional)
	if err != nil {
		return err
	}
	return w.writeFiles(dir, files)
}

func (w *podWorker) downwardFiles(pod *v1.Pod, items []v1.DownwardAPIVolumeFile, defaultMode *int32) []volumeFile {
	var files []volumeFile
	for _, it := range items {
		var v string
		if it.FieldRef != nil {
			v, _ = w.fieldValue(pod, it.FieldRef.FieldPath)
		} else if it.ResourceFieldRef != nil && len(pod.Spec.Containers) > 0 {
			v, _ = resourceValue(pod, &pod.Spec.Containers[0], it.ResourceFieldRef)
		}
		files = append(files, volumeFile{it.Path, []byte(v), fileMode(it.Mode, defaultMode)})
	}
	return files
}

func (w *podWorker) writeProjectedVolume(ctx context.Context, dir string, src *v1.ProjectedVolumeSource) error {
	pod := w.currentPod()
	var all []volumeFile
	for _, s := range src.Sources {
		var files []volumeFile
		var err error
		switch {
		case s.ConfigMap != nil:
			files, err = w.configMapFiles(ctx, s.ConfigMap.Name, s.ConfigMap.Items, src.DefaultMode, s.ConfigMap.Optional)
		case s.Secret != nil:
			files, err = w.secretFiles(ctx, s.Secret.Name, s.Secret.Items, src.DefaultMode, s.Secret.Optional)
		case s.DownwardAPI != nil:
			files = w.downwardFiles(pod, s.DownwardAPI.Items, src.DefaultMode)
		case s.ServiceAccountToken != nil:
			files, err = w.serviceAccountToken(ctx, pod, s.ServiceAccountToken, src.DefaultMode)
		}
		if err != nil {
			return err
		}
		all = append(all, files...)
	}
	return w.writeFiles(dir, all)
}

// serviceAccountToken asks the API server for a pod-bound token, as the kubelet does (the Node
// authorizer lets a node request tokens only for pods bound to it).
func (w *podWorker) serviceAccountToken(ctx context.Context, pod *v1.Pod, src *v1.ServiceAccountTokenProjection, defaultMode *int32) ([]volumeFile, error) {
	exp := int64(3600)
	if src.ExpirationSeconds != nil {
		exp = *src.ExpirationSeconds
	}
	req := &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{
		ExpirationSeconds: &exp,
		BoundObjectRef:    &authv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	if src.Audience != "" {
		req.Spec.Audiences = []string{src.Audience}
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	tok, err := w.a.node.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("service account token for %q: %w", sa, err)
	}
	return []volumeFile{{src.Path, []byte(tok.Status.Token), fileMode(nil, defaultMode)}}, nil
}

// claimDir returns the directory of the PersistentVolume bound to the claim; an unbound claim is an
// error that the caller retries (the scheduler normally waits for binding already).
func (w *podWorker) claimDir(ctx context.Context, claim string) (string, error) {
	pod := w.currentPod()
	pvc, err := w.a.node.CoreV1().PersistentVolumeClaims(pod.Namespace).Get(ctx, claim, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("persistentvolumeclaim %q: %w", claim, err)
	}
	if pvc.Spec.VolumeName == "" || pvc.Status.Phase != v1.ClaimBound {
		return "", fmt.Errorf("persistentvolumeclaim %q is not bound yet", claim)
	}
	pv, err := w.a.node.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("persistentvolume %q: %w", pvc.Spec.VolumeName, err)
	}
	var dir string
	switch {
	case pv.Spec.HostPath != nil:
		dir = pv.Spec.HostPath.Path
	case pv.Spec.Local != nil:
		dir = pv.Spec.Local.Path
	default:
		return "", fmt.Errorf("persistentvolume %q has no local directory", pv.Name)
	}
	return dir, os.MkdirAll(dir, 0o755)
}

func podFSGroup(pod *v1.Pod) *int64 {
	if pod.Spec.SecurityContext != nil {
		return pod.Spec.SecurityContext.FSGroup
	}
	return nil
}

// containerMounts maps the container's volumeMounts to bind mounts (subPath included).
func containerMounts(c *v1.Container, volumes map[string]string, env *orderedEnv) ([]mountSpec, error) {
	var out []mountSpec
	for _, m := range c.VolumeMounts {
		src, ok := volumes[m.Name]
		if !ok {
			return nil, fmt.Errorf("volumeMount %q refers to no volume", m.Name)
		}
		sub := m.SubPath
		if m.SubPathExpr != "" {
			sub = expandVars(m.SubPathExpr, env.lookup)
		}
		if sub != "" {
			if strings.Contains(sub, "..") {
				return nil, fmt.Errorf("subPath %q escapes the volume", sub)
			}
			src = filepath.Join(src, sub)
			if _, err := os.Stat(src); os.IsNotExist(err) {
				if err := os.MkdirAll(src, 0o755); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, mountSpec{Source: src, Target: m.MountPath, ReadOnly: m.ReadOnly})
	}
	return out, nil
}
