package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ritualbot/ritualbot/rituals/coffee"
)

func TestCompactBackupCarriesNoDeletedBytes(t *testing.T) {
	db := openTemp(t)
	c := db.Coffee()
	for _, u := range []string{"U0FORGETME", "U0STAYS"} {
		if err := c.SetMembership("C1", u, coffee.Membership{Joined: true}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Forget("U0FORGETME"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	plain, compact := filepath.Join(dir, "plain.db"), filepath.Join(dir, "compact.db")
	f, err := os.Create(plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Backup(f); err != nil { // tx.WriteTo: a page-for-page copy
		t.Fatal(err)
	}
	f.Close()
	if _, err := BackupToFile(db, compact, false); err != nil {
		t.Fatal(err)
	}
	if _, err := BackupToFile(db, compact, false); err == nil {
		t.Error("an existing backup was overwritten without force")
	}
	if err := VerifyBackup(compact); err != nil {
		t.Fatalf("compacted backup is not valid: %v", err)
	}
	raw, _ := os.ReadFile(plain)
	small, _ := os.ReadFile(compact)
	t.Logf("plain copy holds the erased id %d times (free pages); compacted copy %d", bytes.Count(raw, []byte("U0FORGETME")), bytes.Count(small, []byte("U0FORGETME")))
	if bytes.Contains(small, []byte("U0FORGETME")) {
		t.Error("the compacted backup still holds an erased person's id")
	}
	if !bytes.Contains(small, []byte("U0STAYS")) {
		t.Error("the compacted backup lost a live record")
	}
	var buf bytes.Buffer
	if n, err := db.CompactBackup(&buf); err != nil || n == 0 || bytes.Contains(buf.Bytes(), []byte("U0FORGETME")) {
		t.Errorf("streamed compacted backup: %d bytes, %v", n, err)
	}
}
