package routeparse

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
)

const shapeEncoding = "content-encoding"

// decodeContent undoes the request's Content-Encoding, refusing a body of
// more than limit bytes as received, and a decoded body of more than
// decodedLimit bytes.
//
// Accepted: "", "identity", "gzip", "x-gzip" (RFC 9110 8.4.1.3 asks
// recipients to treat it as gzip) and "deflate" (the zlib format, RFC 9110
// 8.4.1.2; raw DEFLATE without the zlib wrapper is refused as malformed).
// Names are case-insensitive. A list of codings is refused: no SDK stacks
// them, and refusing is cheaper than reasoning about each layer.
func decodeContent(contentEncoding string, body []byte, limit, decodedLimit int64) ([]byte, error) {
	if int64(len(body)) > limit {
		return nil, &Error{Shape: shapeBody, Detail: fmt.Sprintf("body of %d bytes exceeds the limit of %d", len(body), limit), Err: ErrBodyTooLarge}
	}
	enc := strings.TrimSpace(contentEncoding)
	switch {
	case enc == "" || strings.EqualFold(enc, "identity"):
		return body, nil
	case strings.IndexByte(enc, ',') >= 0:
		return nil, &Error{Shape: shapeEncoding, Detail: fmt.Sprintf("stacked content codings %q are not supported", clip(enc)), Err: ErrUnsupportedEncoding}
	case strings.EqualFold(enc, "gzip") || strings.EqualFold(enc, "x-gzip"):
		br := bytes.NewReader(body)
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, badCoding("gzip", err)
		}
		return readBounded(zr, br, "gzip", len(body), decodedLimit)
	case strings.EqualFold(enc, "deflate"):
		br := bytes.NewReader(body)
		zr, err := zlib.NewReader(br)
		if err != nil {
			return nil, badCoding("deflate", err)
		}
		return readBounded(zr, br, "deflate", len(body), decodedLimit)
	}
	return nil, &Error{Shape: shapeEncoding, Detail: fmt.Sprintf("content coding %q is not supported", clip(enc)), Err: ErrUnsupportedEncoding}
}

func badCoding(name string, err error) error {
	return &Error{Shape: shapeEncoding, Detail: fmt.Sprintf("invalid %s data: %v", name, err), Err: ErrMalformedBody}
}

// readBounded reads r to its end into a buffer that never grows beyond
// limit+1 bytes, so a compression bomb costs at most about limit bytes of
// memory. It starts from a guess based on the encoded size and doubles.
// src is the encoded input: data left in it after the compressed stream
// ends is refused, as a second parser might read it differently.
func readBounded(r io.Reader, src *bytes.Reader, name string, encodedLen int, limit int64) ([]byte, error) {
	size := min(int64(encodedLen)*4+512, limit+1)
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				break
			}
			grown := make([]byte, len(buf), min(int64(cap(buf))*2, limit+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			break
		}
		if err == io.EOF {
			if src.Len() != 0 {
				return nil, &Error{Shape: shapeEncoding, Detail: fmt.Sprintf("data after the %s stream", name), Err: ErrMalformedBody}
			}
			return buf, nil
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, &Error{Shape: shapeEncoding, Detail: fmt.Sprintf("truncated %s data", name), Err: ErrMalformedBody}
			}
			return nil, badCoding(name, err)
		}
	}
	return nil, &Error{Shape: shapeEncoding, Detail: fmt.Sprintf("decoded body exceeds the limit of %d bytes", limit), Err: ErrBodyTooLarge}
}
