package edge

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// resourceVariables maps the collection path of each variable of the
// resource patterns (google.api.resource) of the served services' files and
// their imports to the variable's name: from
// offices/{office}/cases/{case}/witnesses/{witness}, "offices" -> office,
// "offices/cases" -> case and "offices/cases/witnesses" -> witness. Two
// patterns naming the same collection's variable differently are an error.
func resourceVariables(services []protoreflect.ServiceDescriptor) (map[string]string, error) {
	vars := map[string]string{}
	seen := map[string]bool{}
	var walkFile func(fd protoreflect.FileDescriptor) error
	var walkMessages func(ms protoreflect.MessageDescriptors) error
	walkMessages = func(ms protoreflect.MessageDescriptors) error {
		for i := range ms.Len() {
			md := ms.Get(i)
			res, _ := proto.GetExtension(md.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
			for _, pattern := range res.GetPattern() {
				var literals []string
				for _, seg := range strings.Split(pattern, "/") {
					name, isVar := strings.CutPrefix(seg, "{")
					if !isVar {
						literals = append(literals, seg)
						continue
					}
					name = strings.TrimSuffix(name, "}")
					key := strings.Join(literals, "/")
					if prev, ok := vars[key]; ok && prev != name {
						return fmt.Errorf("%s: pattern %s names the variable of %s {%s}, another pattern {%s}", md.FullName(), pattern, key, name, prev)
					}
					vars[key] = name
				}
			}
			if err := walkMessages(md.Messages()); err != nil {
				return err
			}
		}
		return nil
	}
	walkFile = func(fd protoreflect.FileDescriptor) error {
		if seen[fd.Path()] {
			return nil
		}
		seen[fd.Path()] = true
		if err := walkMessages(fd.Messages()); err != nil {
			return err
		}
		imports := fd.Imports()
		for i := range imports.Len() {
			if err := walkFile(imports.Get(i).FileDescriptor); err != nil {
				return err
			}
		}
		return nil
	}
	for _, sd := range services {
		if err := walkFile(sd.ParentFile()); err != nil {
			return nil, fmt.Errorf("edge.resourceVariables: %w", err)
		}
	}
	return vars, nil
}

// pathVariables returns the variables of an OpenAPI path, in order, each
// with the collection path before it: /v1/offices/{office}/cases/{case}:close
// gives {office "offices"} and {case "offices/cases"}.
func pathVariables(path string) []pathVariable {
	path, _ = splitVerb(strings.TrimPrefix(path, "/v1/"))
	var out []pathVariable
	var literals []string
	for _, seg := range strings.Split(path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			out = append(out, pathVariable{name: strings.TrimSuffix(name, "}"), collection: strings.Join(literals, "/")})
			continue
		}
		literals = append(literals, seg)
	}
	return out
}

// pathVariable is one {variable} of an OpenAPI path.
type pathVariable struct {
	name       string // as the path names it, e.g. witnesse
	collection string // the literal segments before it, e.g. offices/cases/witnesses
}

// renamePathParameters names every path variable of paths as the resource
// patterns do (vars, from resourceVariables), in the paths and in their
// operations' path parameters. protoc-gen-openapiv2 names the variables of
// the expanded paths by cutting the collection's last "s"
// (witnesses/{witnesse}); the resource patterns say {witness}.
func renamePathParameters(paths obj, vars map[string]string) error {
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item := paths[path]
		renamed := path
		for _, v := range pathVariables(path) {
			want, ok := vars[v.collection]
			if !ok || want == v.name {
				continue
			}
			renamed = strings.Replace(renamed, "{"+v.name+"}", "{"+want+"}", 1)
			for _, op := range item.(obj) {
				params, _ := op.(obj)["parameters"].([]any)
				for _, p := range params {
					if param, _ := p.(obj); param["in"] == "path" && param["name"] == v.name {
						param["name"] = want
					}
				}
			}
		}
		if renamed == path {
			continue
		}
		if _, dup := paths[renamed]; dup {
			return fmt.Errorf("edge.renamePathParameters: %s and %s are the same path", path, renamed)
		}
		delete(paths, path)
		paths[renamed] = item
	}
	return nil
}
