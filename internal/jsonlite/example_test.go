package jsonlite_test

import (
	"fmt"

	"github.com/gosinit/gosinit/internal/jsonlite"
)

func ExampleWriter() {
	env := map[string]string{"PATH": "/bin", "HOME": "/root"}
	w := jsonlite.Writer{EscapeHTML: false} // as an Encoder with SetEscapeHTML(false)
	w.BeginObject()
	w.Key("name")
	w.String("web")
	w.Key("command")
	w.Strings([]string{"sh", "-c", "a && b > log"})
	w.Key("environment")
	w.StringMap(env)
	w.Key("ports")
	w.BeginArray()
	w.Int(80)
	w.Int(443)
	w.EndArray()
	w.Key("parent")
	w.Null()
	w.EndObject()
	fmt.Println(string(w.B))
	fmt.Println(string(jsonlite.Indent(nil, w.B, "", "  ")))
	// Output:
	// {"name":"web","command":["sh","-c","a && b > log"],"environment":{"HOME":"/root","PATH":"/bin"},"ports":[80,443],"parent":null}
	// {
	//   "name": "web",
	//   "command": [
	//     "sh",
	//     "-c",
	//     "a && b > log"
	//   ],
	//   "environment": {
	//     "HOME": "/root",
	//     "PATH": "/bin"
	//   },
	//   "ports": [
	//     80,
	//     443
	//   ],
	//   "parent": null
	// }
}

func ExampleParse() {
	doc, err := jsonlite.Parse([]byte(`{"pid":1,"processes":[{"name":"web","pid":12},{"name":"db","state":"x"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	procs, err := doc.Get("processes").Array()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range procs {
		name, _ := p.Get("name").Str()
		pid, err := p.Get("pid").Int() // absent: 0, no error
		fmt.Println(name, pid, err)
		if _, err := p.Get("state").Int(); err != nil {
			fmt.Println(err)
		}
	}
	_, err = doc.Get("pid").Get("x").Str()
	fmt.Println(err)
	// Output:
	// web 12 <nil>
	// db 0 <nil>
	// byte 67: cannot read string as int64
	// byte 7: cannot read number 1 as object
}
