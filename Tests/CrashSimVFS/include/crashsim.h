#ifndef CRASHSIM_H
#define CRASHSIM_H

#include <stdint.h>

/// A test-only SQLite VFS that simulates power loss.
///
/// It wraps the default VFS and, for files under a tracked directory, remembers
/// every version of each 512-byte sector written since that file's last sync.
/// At the crash point (the Nth write or sync, chosen by the test's seed) it
/// writes a "disk after power loss" image of the tracked files to another
/// directory: every sector synced stays, every sector written since its file's
/// last sync is independently any of its versions (the old one included), and
/// some are torn between two versions. The live database carries on untouched,
/// so the test can compare what was acknowledged with what survived.
///
/// Model limits: file creation, deletion and truncation are durable at once
/// (counted by crashsim_model_violations when they happen while armed);
/// the shared-memory index (-shm) is not part of the image (SQLite rebuilds it).

/// Registers the shim as the default VFS (idempotent). Returns SQLITE_OK.
int crashsim_register(void);

/// Files opened from now on whose path starts with `directory` are tracked.
void crashsim_track(const char *directory);

/// Starts a run: what is on disk now counts as synced; at operation `crash_at`
/// (1-based, counting writes and syncs of tracked files) the image is written
/// to `image_directory`, and the synced-only image (every unsynced sector at
/// its synced version: the least a disk holds) to `synced_image_directory`
/// (both must exist); `tear_percent` of the changed sectors are torn
/// between two versions instead of taking one.
void crashsim_arm(const char *image_directory, const char *synced_image_directory, uint64_t seed,
                  uint64_t crash_at, int tear_percent);

/// Writes the image now if the crash point has not been reached.
void crashsim_crash_now(void);

/// Stops tracking; files stay open and pass straight through.
void crashsim_stop(void);

/// 1 once the image is written.
int crashsim_crashed(void);

/// Syncs of a tracked `-wal` file completed since the run was armed.
uint64_t crashsim_wal_syncs(void);

/// Tracked writes and syncs counted since the run was armed.
uint64_t crashsim_operations(void);

/// Sectors in the last image that were written since their last sync, and of
/// those how many were rolled back to an older version or torn.
uint64_t crashsim_sectors_pending(void);
uint64_t crashsim_sectors_rolled_back(void);
uint64_t crashsim_sectors_torn(void);

/// 1 when the last image caught the main database file with unsynced writes
/// (the crash landed inside a checkpoint).
int crashsim_crashed_in_database_write(void);

/// Events the model does not cover that happened while armed (a tracked file
/// created, deleted or shrunk below its synced size); tests expect 0.
uint64_t crashsim_model_violations(void);

#endif
