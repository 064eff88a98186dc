// Command argocd-decode reads the standard output of a config management plugin (here:
// `rivven-render argocd generate`) on stdin and splits it into objects the way Argo CD's repo-server
// does: k8s.io/apimachinery's YAML-or-JSON stream decoder (Go YAML 1.1 scalars), then sigs.k8s.io/yaml
// into unstructured objects. Empty and `null` documents are skipped; a decode error, a document
// without apiVersion or kind, or a stream without objects fails with exit code 1 and a message on
// stderr. On success every object is printed as one line of JSON (keys sorted), in stream order, so
// the tests can compare what Argo CD would apply with what the tool meant to print.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "argocd-decode: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("reading stdin: %v", err)
	}
	objects, err := decode(input)
	if err != nil {
		fail("%v", err)
	}
	if len(objects) == 0 {
		fail("the stream holds no objects (Argo CD would see an empty application)")
	}
	out := bufio.NewWriter(os.Stdout)
	for _, obj := range objects {
		line, err := json.Marshal(obj.Object)
		if err != nil {
			fail("encoding %s %q: %v", obj.GetKind(), obj.GetName(), err)
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	if err := out.Flush(); err != nil {
		fail("writing stdout: %v", err)
	}
}

// decode splits a YAML or JSON stream into objects; the document number in errors counts every
// document the decoder returned, skipped ones included (1-based).
func decode(input []byte) ([]*unstructured.Unstructured, error) {
	decoder := k8syaml.NewYAMLOrJSONDecoder(bytes.NewReader(input), 4096)
	var objects []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		var raw k8sruntime.RawExtension
		if err := decoder.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return objects, nil
			}
			return nil, fmt.Errorf("document %d: %v", doc, err)
		}
		data := bytes.TrimSpace(raw.Raw)
		if len(data) == 0 || bytes.Equal(data, []byte("null")) {
			continue
		}
		var obj unstructured.Unstructured
		if err := yaml.Unmarshal(data, &obj); err != nil {
			return nil, fmt.Errorf("document %d: %v", doc, err)
		}
		if obj.GetAPIVersion() == "" {
			return nil, fmt.Errorf("document %d: no apiVersion", doc)
		}
		if obj.GetKind() == "" {
			return nil, fmt.Errorf("document %d: no kind", doc)
		}
		objects = append(objects, &obj)
	}
}
