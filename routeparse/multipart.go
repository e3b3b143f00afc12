package routeparse

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"
)

const shapeMultipart = "multipart-body"

// maxFormModelLen bounds a "model" or "stream" form value; model names are
// far shorter, and the bound keeps a hostile part from being copied whole.
const maxFormModelLen = 1024

func formErr(sentinel error, detail string) error {
	return &Error{Shape: shapeMultipart, Detail: detail, Err: sentinel}
}

// parseMultipartBody records the "model" field of a multipart/form-data
// body (OpenAI audio transcriptions and translations, image edits).
//
// Form parsers disagree on more than JSON parsers do, so everything that
// could make two of them see a different "model" is refused: two model
// parts, a case-variant name, a bracket form ("model[]", "model[0]",
// "[model]", which PHP and qs-style parsers read as "model") or one with
// leading spaces (PHP drops them), a name given in RFC 2231 form (name*=) or as a
// quoted string with backslash escapes, several Content-Disposition headers,
// a Content-Transfer-Encoding other than 7bit/8bit/binary, a model part
// carrying a filename, and any malformed framing.
func parseMultipartBody(r *Route, contentType string, b []byte) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if r.shape == shapeCallOffer && err == nil && mt == "application/sdp" {
		return errBareOffer // body_session.go
	}
	if err != nil || mt != "multipart/form-data" {
		return formErr(ErrMalformedBody, fmt.Sprintf("content type %q is not multipart/form-data", clip(contentType)))
	}
	boundary := params["boundary"]
	if boundary == "" {
		return formErr(ErrMalformedBody, "multipart/form-data without a boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(b), boundary)
	models, streams, sessions := 0, 0, 0
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return formErr(ErrMalformedBody, fmt.Sprintf("invalid multipart framing: %v", err))
		}
		name, file, err := partName(part.Header)
		if err != nil {
			return err
		}
		if r.shape == shapeCallOffer {
			if handled, err := callOfferPart(r, name, file, part, &sessions); handled || err != nil {
				if err != nil {
					return err
				}
				continue
			}
		}
		isModel, isStream := name == "model", name == "stream"
		switch {
		case isModel, isStream:
		case foldEqual([]byte(name), "model"):
			return formErr(ErrAmbiguousModel, fmt.Sprintf("form field %q is a case variant of \"model\"", clip(name)))
		case foldEqual([]byte(name), "stream"):
			return formErr(ErrMalformedBody, fmt.Sprintf("form field %q is a case variant of \"stream\"", clip(name)))
		case disguised([]byte(name), false, modelKeys[:]) >= 0:
			// See disguised: a form parser that strips or cuts the name
			// reads "model".
			return formErr(ErrAmbiguousModel, fmt.Sprintf("form field %q reads as \"model\" once the control, format or invalid characters other parsers drop are removed", clip(name)))
		case formKeyIs(name, "model") >= keyBracket:
			// PHP, qs-style parsers (multer's append-field) read
			// "model[]", "model[0]" and "[model]" as "model", and PHP
			// " model" too.
			return formErr(ErrAmbiguousModel, fmt.Sprintf("form field %q is read by some form parsers as \"model\"", clip(name)))
		default:
			continue // file and other parts: the next NextRawPart skips them
		}
		if file {
			return formErr(ErrMalformedBody, fmt.Sprintf("form field %q is a file", name))
		}
		if te := strings.TrimSpace(part.Header.Get("Content-Transfer-Encoding")); te != "" &&
			!strings.EqualFold(te, "binary") && !strings.EqualFold(te, "8bit") && !strings.EqualFold(te, "7bit") {
			return formErr(ErrMalformedBody, fmt.Sprintf("form field %q has Content-Transfer-Encoding %q", name, clip(te)))
		}
		value, err := io.ReadAll(io.LimitReader(part, maxFormModelLen+1))
		if err != nil {
			return formErr(ErrMalformedBody, fmt.Sprintf("invalid multipart framing: %v", err))
		}
		if len(value) > maxFormModelLen {
			return formErr(ErrMalformedBody, fmt.Sprintf("form field %q is longer than %d bytes", name, maxFormModelLen))
		}
		if isStream {
			if streams++; streams > 1 {
				return formErr(ErrMalformedBody, "two \"stream\" form fields")
			}
			switch string(value) {
			case "true":
				r.Stream = true
			case "false":
				r.Stream = false
			default:
				return formErr(ErrMalformedBody, fmt.Sprintf("form field \"stream\" is %q, not true or false", clip(string(value))))
			}
			continue
		}
		if models++; models > 1 {
			return formErr(ErrAmbiguousModel, "two \"model\" form fields")
		}
		if len(value) == 0 {
			return formErr(ErrMalformedBody, "empty \"model\" form field")
		}
		v := string(value)
		if err := checkModelName(v); err != nil {
			return formErr(ErrMalformedBody, fmt.Sprintf("\"model\" form field contains %v", err))
		}
		r.addModel(Model{Source: SourceForm, Field: fieldModel, raw: v, name: v})
	}
	return nil
}

// partName returns the form field name of a part and whether it is a file
// (has a filename). Parts without Content-Disposition have no name.
func partName(h map[string][]string) (name string, file bool, err error) {
	cds := h["Content-Disposition"]
	switch len(cds) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", false, formErr(ErrMalformedBody, "a part has several Content-Disposition headers")
	}
	disp, params, perr := mime.ParseMediaType(cds[0])
	if perr != nil {
		return "", false, formErr(ErrMalformedBody, fmt.Sprintf("invalid Content-Disposition: %v", perr))
	}
	if disp != "form-data" {
		return "", false, formErr(ErrMalformedBody, fmt.Sprintf("Content-Disposition %q is not form-data", clip(disp)))
	}
	if err := checkNameParam(cds[0]); err != nil {
		return "", false, err
	}
	_, file = params["filename"]
	return params["name"], file, nil
}

// checkNameParam refuses the name parameter spellings form parsers decode
// differently: the RFC 2231 extended form (name*=, decoded by Go, ignored by
// others) and a quoted string with backslash escapes (unescaped by Go, kept
// literally by others).
func checkNameParam(v string) error {
	i := strings.IndexByte(v, ';')
	for i >= 0 && i < len(v) {
		i++ // past ';'
		for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
		eq := strings.IndexByte(v[i:], '=')
		if eq < 0 {
			return nil
		}
		key := strings.ToLower(strings.TrimSpace(v[i : i+eq]))
		i += eq + 1
		for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
		escaped := false
		if i < len(v) && v[i] == '"' {
			i++
			for i < len(v) && v[i] != '"' {
				if v[i] == '\\' {
					escaped = true
					i++
				}
				i++
			}
			i++
		}
		if key == "name*" {
			return formErr(ErrAmbiguousModel, "form field name given in RFC 2231 form (name*=)")
		}
		if key == "name" && escaped {
			return formErr(ErrAmbiguousModel, "form field name with backslash escapes")
		}
		j := strings.IndexByte(v[min(i, len(v)):], ';')
		if j < 0 {
			return nil
		}
		i += j
	}
	return nil
}
