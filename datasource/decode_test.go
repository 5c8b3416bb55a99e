package datasource

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"unsafe"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/internal/intern"
)

// referenceDecode is how answers were decoded before the streaming
// decoder: the whole body through encoding/json and Prometheus's client
// types. The decoder must agree with it on every body.
func referenceDecode(status int, body []byte) (model.Vector, error) {
	var ar struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Warnings  []string        `json:"warnings"`
	}
	if err := json.Unmarshal(body, &ar); err != nil {
		snippet := string(body)
		if len(snippet) > 200 {
			snippet = snippet[:200] + "…"
		}
		return nil, &Error{Type: "http", Msg: "unexpected response: " + snippet, Status: status, unavail: true}
	}
	if ar.Status != "success" {
		return nil, apiError(status, ar.Status, ar.ErrorType, ar.Error)
	}
	var qd struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(ar.Data, &qd); err != nil {
		return nil, &Error{Type: "decode", Msg: err.Error(), unavail: true}
	}
	switch qd.ResultType {
	case "vector":
		var v model.Vector
		if err := json.Unmarshal(qd.Result, &v); err != nil {
			return nil, &Error{Type: "decode", Msg: err.Error(), unavail: true}
		}
		for _, s := range v {
			if s == nil || s.Metric == nil {
				return nil, &Error{Type: "decode", Msg: "vector sample without metric", unavail: true}
			}
		}
		return v, nil
	case "scalar":
		var s model.Scalar
		if err := json.Unmarshal(qd.Result, &s); err != nil {
			return nil, &Error{Type: "decode", Msg: err.Error(), unavail: true}
		}
		return model.Vector{{Metric: model.Metric{}, Value: s.Value, Timestamp: s.Timestamp}}, nil
	default:
		return nil, &Error{Type: "bad_data", Msg: fmt.Sprintf("rule result is a %q, not a vector or scalar", qd.ResultType)}
	}
}

func newTestDecoder() *decoder {
	return &decoder{mu: &sync.Mutex{}, strs: intern.New(1 << 10)}
}

// checkAgainstReference decodes body with both decoders and fails the test
// where they disagree: error or not, the error's kind, and the samples.
func checkAgainstReference(t *testing.T, d *decoder, status int, body []byte, r io.Reader) {
	t.Helper()
	want, wantErr := referenceDecode(status, body)
	var got evaluator.Vector
	gotErr := d.decode(status, r, &got)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("body %q:\n got err %v\nwant err %v", body, gotErr, wantErr)
	}
	if wantErr != nil {
		var ge, we *Error
		if !errors.As(gotErr, &ge) || !errors.As(wantErr, &we) {
			t.Fatalf("errors are not *Error: %T %T", gotErr, wantErr)
		}
		if ge.Type != we.Type || ge.unavail != we.unavail || ge.Status != we.Status {
			t.Fatalf("body %q:\n got %#v\nwant %#v", body, ge, we)
		}
		if ge.Type != "decode" && ge.Msg != we.Msg {
			t.Fatalf("body %q: message\n got %q\nwant %q", body, ge.Msg, we.Msg)
		}
		if len(got.Samples) != 0 {
			t.Fatalf("samples left after an error: %v", got.Samples)
		}
		return
	}
	if len(got.Samples) != len(want) {
		t.Fatalf("body %q: %d samples, want %d", body, len(got.Samples), len(want))
	}
	for i, s := range want {
		g := got.Samples[i]
		wl := evaluator.Vector{}
		wl.AppendMetric(s.Metric, 0)
		if !g.Labels.Equal(wl.Samples[0].Labels) {
			t.Fatalf("body %q: sample %d labels %v, want %v", body, i, g.Labels, s.Metric)
		}
		if w := float64(s.Value); g.Value != w && !(math.IsNaN(g.Value) && math.IsNaN(w)) {
			t.Fatalf("body %q: sample %d value %v, want %v", body, i, g.Value, w)
		}
	}
}

// trickyBodies are bodies where encoding/json's rules matter.
var trickyBodies = []string{
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[1700000000.5,"1"]},{"metric":{},"value":[1700000000.5,"NaN"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1,"+Inf"]},{"metric":{"a":"c"},"value":[1,"-Inf"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[]}}`,
	`{"status":"success","data":{"resultType":"vector","result":null}}`,
	`{"status":"success","data":{"resultType":"vector"}}`,
	`{"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"3"]}}`,
	`{"status":"success","data":{"resultType":"scalar","result":[null,"\u0033"]}}`,
	`{"status":"success","data":{"resultType":"scalar","result":[1,"3",{"x":[]}]}}`,
	`{"status":"success","data":{"resultType":"scalar","result":[1]}}`,
	`{"status":"success","data":{"resultType":"scalar","result":null}}`,
	`{"status":"success","data":{"resultType":"scalar","result":["1","3"]}}`,
	`{"status":"success","data":{"resultType":"matrix","result":[]}}`,
	`{"status":"success","data":{"resultType":"string","result":[1,"x"]}}`,
	`{"status":"success","data":null}`,
	`{"status":"success","data":5}`,
	`{"status":"success"}`,
	`{"status":"success","data":{"resultType":5,"result":[]}}`,
	`{"status":"error","errorType":"bad_data","error":"parse error"}`,
	`{"status":"error","errorType":"timeout","error":"query timed out"}`,
	`{"status":"error"}`,
	`{"status":5}`,
	`{"status":"success","warnings":["w",null],"data":{"resultType":"vector","result":[]}}`,
	`{"status":"success","warnings":[1],"data":{"resultType":"vector","result":[]}}`,
	`{"status":"success","warnings":"w","data":{"resultType":"vector","result":[]}}`,
	`null`,
	`[]`,
	`""`,
	``,
	`<html>bad gateway</html>`,
	`{"status":"success","data":{"resultType":"vector","result":[]}} x`,
	`{"status":"success","data":{"resultType":"vector","result":[]}}` + "\n\t ",
	// Order and duplicates.
	`{"data":{"result":[{"metric":{"a":"1"},"value":[1,"2"]}],"resultType":"vector"},"status":"success"}`,
	`{"data":{"result":[1,"2"],"resultType":"scalar"},"status":"success"}`,
	`{"status":"success","data":{"resultType":"vector","result":[1,"2"],"resultType":"scalar"}}`,
	`{"status":"success","data":{"resultType":"vector","resultType":null,"result":[]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[]},"data":null}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1","a":"2","b":"x"},"value":[1,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"b":"1"},"metric":{"a":"2"},"value":[1,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"b":"1"},"metric":null,"value":[1,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"b":null},"value":[1,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"b":1},"value":[1,"2"]}]}}`,
	`{"STATUS":"success","Data":{"RESULTTYPE":"vector","Result":[{"METRIC":{"Job":"x"},"VALUE":[1,"2"]}]}}`,
	`{"ſtatus":"success","data":{"resultType":"vector","result":[]}}`,
	`{"status":"succes\u0073","data":{"resultType":"vector","result":[{"metric":{"\u006a":"\ud83d\ude00 \ud800 \u00e9"},"value":[1,"2"]}]}}`,
	"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":\"\xff\xfe\"},\"value\":[1,\"2\"]}]}}",
	// Samples of odd shapes.
	`{"status":"success","data":{"resultType":"vector","result":[null]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":null}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[null,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2",3]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,2]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":["1","2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.5e3,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.12345,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[-1.5,"0x1p-2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"\u0031"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1e400"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"],"value":[3]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[01,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"],"histogram":null}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,{"count":"1","sum":"2","buckets":[[0,"0","1","1"]]}]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"]},5]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"]},[1]]}}`,
	`{"status":"success","data":{"resultType":"vector","result":{}}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"],}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"]},]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"` + "\x01" + `"},"value":[1,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"\x"},"value":[1,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"\u12"},"value":[1,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"]}]}` + strings.Repeat("[", 10) + `}`,
	`{"a":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `,"status":"success","data":{"resultType":"vector","result":[]}}`,
	`{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `,"status":"success","data":{"resultType":"vector","result":[]}}`,
	`{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `,"status":"success","data":{"resultType":"vector","result":[]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"x":"` + strings.Repeat("y", 100<<10) + `"},"value":[1,"2"]}]}}`,
	`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"` + strings.Repeat("1", 70<<10) + `"]}]}}`,
	`{"status":"error","errorType":"bad_data","error":"` + strings.Repeat("x", 300) + `"}`,
	strings.Repeat("<html>", 100),
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	d := newTestDecoder()
	for _, body := range trickyBodies {
		for _, status := range []int{200, 400, 503, 0} {
			checkAgainstReference(t, d, status, []byte(body), bytes.NewReader([]byte(body)))
			// One byte at a time: every refill boundary.
			checkAgainstReference(t, d, status, []byte(body), iotest.OneByteReader(bytes.NewReader([]byte(body))))
		}
	}
}

func TestDecodeLargeResult(t *testing.T) {
	body := vectorBody(5000)
	checkAgainstReference(t, newTestDecoder(), 200, body, iotest.HalfReader(bytes.NewReader(body)))
}

func TestDecodeReadErrorIsNetworkError(t *testing.T) {
	body := vectorBody(10)
	r := io.MultiReader(bytes.NewReader(body[:len(body)/2]), iotest.ErrReader(errors.New("connection reset")))
	var v evaluator.Vector
	err := newTestDecoder().decode(200, r, &v)
	var e *Error
	if !errors.As(err, &e) || e.Type != "network" || !e.Unavailable() || !strings.Contains(e.Msg, "connection reset") {
		t.Fatalf("err = %#v", err)
	}
	if len(v.Samples) != 0 {
		t.Fatal("samples left after a read error")
	}
}

func TestDecodeInternsLabels(t *testing.T) {
	d := newTestDecoder()
	body := vectorBody(100)
	var a, b evaluator.Vector
	if err := d.decode(200, bytes.NewReader(body), &a); err != nil {
		t.Fatal(err)
	}
	if err := d.decode(200, bytes.NewReader(body), &b); err != nil {
		t.Fatal(err)
	}
	for i := range a.Samples {
		for j, l := range a.Samples[i].Labels {
			m := b.Samples[i].Labels[j]
			if unsafe.StringData(l.Name) != unsafe.StringData(m.Name) || unsafe.StringData(l.Value) != unsafe.StringData(m.Value) {
				t.Fatalf("label %v decoded twice into different strings", l)
			}
		}
	}
	if a.Samples[0].Labels.Get("env") != "prod" || unsafe.StringData(a.Samples[0].Labels.Get("env")) != unsafe.StringData(a.Samples[1].Labels.Get("env")) {
		t.Fatal("a repeated value is not shared between series")
	}
}

func TestDecodeSteadyStateAllocatesNothingPerSeries(t *testing.T) {
	d := newTestDecoder()
	body := vectorBody(1000)
	var v evaluator.Vector
	r := bytes.NewReader(body)
	run := func() {
		r.Reset(body)
		if err := d.decode(200, r, &v); err != nil || len(v.Samples) != 1000 {
			t.Fatal(err)
		}
	}
	run()
	if n := testing.AllocsPerRun(10, run); n != 0 {
		t.Fatalf("%v allocations to decode 1000 series seen before", n)
	}
}

// FuzzDecodeResponse cross-checks the streaming decoder against
// encoding/json with Prometheus's client types on arbitrary bodies: same
// error or not, same kind of error, same series and values.
func FuzzDecodeResponse(f *testing.F) {
	f.Add(200, []byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1,"1"]}]}}`))
	f.Add(200, []byte(`{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}`))
	f.Add(400, []byte(`{"status":"error","errorType":"bad_data","error":"x"}`))
	f.Add(200, []byte(`{"status":"success","data":{"resultType":"vector","result":[null]}}`))
	for _, b := range trickyBodies {
		if len(b) < 4096 {
			f.Add(200, []byte(b))
		}
	}
	d := newTestDecoder()
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		checkAgainstReference(t, d, status, body, bytes.NewReader(body))
		checkAgainstReference(t, d, status, body, iotest.OneByteReader(bytes.NewReader(body)))
	})
}
