// proof-checker checks Completion Ledger proofs with Go's transparency-log
// packages (golang.org/x/mod/sumdb/tlog and sumdb/note), an implementation
// the ledger's authors did not write. The tests build and run it to hold the
// ledger's Merkle tree, proofs and signed notes to RFC 9162 and C2SP.
//
// Build offline in GOPATH mode (Debian: golang-go, golang-golang-x-mod-dev):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o proof-checker Tools/proof-checker/main.go
//
// Usage:
//
//	proof-checker check VERIFIER_KEY FILE   exit 0 when the proof bundle holds, 1 when not
//	proof-checker genkey NAME               prints a signing key, then its verifier key
//	proof-checker sign SIGNING_KEY          signs the note text on stdin, prints the note
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Position  int64    `json:"position"`
	LeafIndex int64    `json:"leaf_index"`
	TreeSize  int64    `json:"tree_size"`
	EventHash string   `json:"event_hash"`
	AuditPath []string `json:"audit_path"`
	Event     *event   `json:"event"`
}

// event is a log row as ledger export writes it (docs/events.md).
type event struct {
	Position       int64   `json:"position"`
	Stream         string  `json:"stream"`
	Version        int64   `json:"version"`
	Type           string  `json:"type"`
	SchemaVersion  int64   `json:"schema_version"`
	RecordedAt     string  `json:"recorded_at"`
	Data           string  `json:"data"`
	DataSHA256     string  `json:"data_sha256"`
	Metadata       string  `json:"metadata"`
	IdempotencyKey *string `json:"idempotency_key"`
	PrevHash       string  `json:"prev_hash"`
	Hash           string  `json:"hash"`
}

type bundle struct {
	Checkpoint      string      `json:"checkpoint"`
	Proofs          []inclusion `json:"proofs"`
	FirstCheckpoint string      `json:"first_checkpoint"`
	FirstSize       int64       `json:"first_size"`
	FirstRoot       string      `json:"first_root"`
	SecondSize      int64       `json:"second_size"`
	SecondRoot      string      `json:"second_root"`
	Path            []string    `json:"path"`
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func main() {
	if len(os.Args) < 3 {
		fail(2, "usage: proof-checker check VERIFIER_KEY FILE | genkey NAME | sign SIGNING_KEY")
	}
	switch os.Args[1] {
	case "check":
		if len(os.Args) != 4 {
			fail(2, "usage: proof-checker check VERIFIER_KEY FILE")
		}
		if err := check(os.Args[2], os.Args[3]); err != nil {
			fail(1, "refused: "+err.Error())
		}
		fmt.Println("ok")
	case "genkey":
		skey, vkey, err := note.GenerateKey(nil, os.Args[2])
		if err != nil {
			fail(2, err.Error())
		}
		fmt.Println(skey)
		fmt.Println(vkey)
	case "sign":
		signer, err := note.NewSigner(os.Args[2])
		if err != nil {
			fail(2, err.Error())
		}
		text, _ := io.ReadAll(os.Stdin)
		msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
		if err != nil {
			fail(2, err.Error())
		}
		os.Stdout.Write(msg)
	default:
		fail(2, "unknown mode "+os.Args[1])
	}
}

func fail(code int, message string) {
	fmt.Fprintln(os.Stderr, message)
	os.Exit(code)
}

func check(vkey, file string) error {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("verifier key: %v", err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var b bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return fmt.Errorf("bundle: %v", err)
	}
	second, err := open(b.Checkpoint, verifier)
	if err != nil {
		return err
	}
	if len(b.Proofs) > 0 {
		for _, p := range b.Proofs {
			if err := checkInclusion(p, second); err != nil {
				return fmt.Errorf("position %d: %v", p.Position, err)
			}
		}
		return nil
	}
	if b.Path == nil && b.SecondSize == 0 {
		return errors.New("the bundle holds neither inclusion proofs nor a consistency path")
	}
	return checkConsistency(b, second, verifier)
}

// open verifies the note's signature and parses the tlog-checkpoint it carries.
func open(msg string, verifier note.Verifier) (checkpoint, error) {
	n, err := note.Open([]byte(msg), note.VerifierList(verifier))
	if err != nil {
		return checkpoint{}, fmt.Errorf("note: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] == "" {
		return checkpoint{}, errors.New("checkpoint: too few lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return checkpoint{}, fmt.Errorf("checkpoint: size %q", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		return checkpoint{}, fmt.Errorf("checkpoint: root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], raw)
	return checkpoint{origin: lines[0], size: size, root: root}, nil
}

func hexHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != tlog.HashSize {
		return h, fmt.Errorf("not a hex hash: %q", s)
	}
	copy(h[:], raw)
	return h, nil
}

func hexHashes(list []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, 0, len(list))
	for _, s := range list {
		h, err := hexHash(s)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func checkInclusion(p inclusion, c checkpoint) error {
	if p.TreeSize != c.size {
		return fmt.Errorf("proof for tree size %d, checkpoint of size %d", p.TreeSize, c.size)
	}
	if p.LeafIndex != p.Position-1 {
		return fmt.Errorf("leaf %d is not position %d", p.LeafIndex, p.Position)
	}
	event, err := hexHash(p.EventHash)
	if err != nil {
		return err
	}
	path, err := hexHashes(p.AuditPath)
	if err != nil {
		return err
	}
	if p.Event != nil {
		if err := checkEvent(*p.Event, p); err != nil {
			return err
		}
	}
	// The leaf input is the event's 32-byte chain hash: RecordHash is SHA-256(0x00 || input).
	return tlog.CheckRecord(tlog.RecordProof(path), c.size, c.root, p.LeafIndex, tlog.RecordHash(event[:]))
}

func sha256Hex(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// checkEvent recomputes the event shown from its fields, as docs/events.md
// defines the chain: its hash must be the proven leaf's input, and its data
// its recorded digest, unless retention redacted a webhook's body (then the
// rest of that event's data is not proven, and only a webhook's may be).
func checkEvent(e event, p inclusion) error {
	key := ""
	if e.IdempotencyKey != nil {
		key = *e.IdempotencyKey
	}
	canonical := strings.Join([]string{e.PrevHash, strconv.FormatInt(e.Position, 10), e.Stream,
		strconv.FormatInt(e.Version, 10), e.Type, strconv.FormatInt(e.SchemaVersion, 10), e.RecordedAt,
		e.DataSHA256, sha256Hex(e.Metadata), key}, "\n") + "\n"
	if e.Position != p.Position || e.Hash != p.EventHash || sha256Hex(canonical) != p.EventHash {
		return errors.New("the event shown does not hash to event_hash")
	}
	if sha256Hex(e.Data) == e.DataSHA256 {
		return nil
	}
	var members map[string]json.RawMessage
	if e.Type == "webhook.received" && json.Unmarshal([]byte(e.Data), &members) == nil && string(members["body"]) == `"[redacted]"` {
		return nil
	}
	return errors.New("the event's data does not match its recorded digest")
}

func checkConsistency(b bundle, second checkpoint, verifier note.Verifier) error {
	if b.SecondSize != second.size {
		return fmt.Errorf("second size %d, checkpoint of size %d", b.SecondSize, second.size)
	}
	secondRoot, err := hexHash(b.SecondRoot)
	if err != nil || secondRoot != second.root {
		return errors.New("second root is not the checkpoint's")
	}
	firstRoot, err := hexHash(b.FirstRoot)
	if err != nil {
		return err
	}
	// The older tree is what the proof is about: unsigned, or empty, it proves nothing.
	if b.FirstCheckpoint == "" || b.FirstSize < 1 {
		return errors.New("the older tree is not a signed checkpoint of one event or more")
	}
	first, err := open(b.FirstCheckpoint, verifier)
	if err != nil {
		return fmt.Errorf("first checkpoint: %v", err)
	}
	if first.origin != second.origin || first.size != b.FirstSize || first.root != firstRoot {
		return errors.New("the first checkpoint is not the proof's first tree")
	}
	path, err := hexHashes(b.Path)
	if err != nil {
		return err
	}
	if b.FirstSize == b.SecondSize {
		if len(path) == 0 && firstRoot == second.root {
			return nil
		}
		return errors.New("equal sizes with different roots")
	}
	return tlog.CheckTree(tlog.TreeProof(path), second.size, second.root, b.FirstSize, firstRoot)
}
