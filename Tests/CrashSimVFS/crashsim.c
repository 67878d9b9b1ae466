// A power-loss simulator as an SQLite VFS shim (see include/crashsim.h).
// Test-only code: one run at a time, state global behind one mutex.

#include "crashsim.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECTOR 512
#define TRACKED_FILES_MAX 8
#define PATH_BYTES_MAX 1024

/// Every version a sector has had since its file's last sync; version 0 is the
/// synced one (`absent` when the sector lay beyond the synced end of file).
typedef struct SectorHistory {
    int versionCount, versionCapacity;
    int absentAtSync;
    unsigned char *versions;  // versionCount * SECTOR bytes
} SectorHistory;

typedef struct TrackedPath {
    char path[PATH_BYTES_MAX];
    int isWAL;
    sqlite3_int64 syncedSize;
    SectorHistory **sectors;  // indexed by sector number, NULL when unchanged
    sqlite3_int64 sectorCapacity;
} TrackedPath;

typedef struct CrashFile {
    sqlite3_file base;
    sqlite3_file *real;
    TrackedPath *tracked;  // NULL for files outside the tracked directory
    uint64_t generation;   // the run that opened it: a file left open by an earlier run is not tracked
} CrashFile;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3_vfs *realVFS;
static sqlite3_vfs shimVFS;
static char trackedDirectory[PATH_BYTES_MAX];
static char imageDirectory[PATH_BYTES_MAX];
static char syncedImageDirectory[PATH_BYTES_MAX];
static TrackedPath trackedPaths[TRACKED_FILES_MAX];
static int trackedPathCount;
static int armed;
static uint64_t generation;
static atomic_int crashed;
static atomic_uint_fast64_t walSyncs, operations;
static uint64_t crashAt, randomState;
static int tearPercent;
static uint64_t sectorsPending, sectorsRolledBack, sectorsTorn;
static int crashedInDatabaseWrite;
static uint64_t modelViolations;

static uint64_t nextRandom(void) {  // splitmix64: seeded, so a failing run is replayed by its seed
    uint64_t z = (randomState += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void forgetHistory(TrackedPath *tracked, sqlite3_int64 fromSector) {
    for (sqlite3_int64 index = fromSector; index < tracked->sectorCapacity; index++) {
        SectorHistory *history = tracked->sectors[index];
        if (history == NULL) continue;
        free(history->versions);
        free(history);
        tracked->sectors[index] = NULL;
    }
}

static sqlite3_int64 realFileSize(sqlite3_file *real) {
    sqlite3_int64 size = 0;
    if (real->pMethods->xFileSize(real, &size) != SQLITE_OK) abort();  // the test cannot go on blind
    return size;
}

static void appendVersion(SectorHistory *history, sqlite3_file *real, sqlite3_int64 sector) {
    if (history->versionCount == history->versionCapacity) {
        history->versionCapacity = history->versionCapacity == 0 ? 4 : history->versionCapacity * 2;
        history->versions = realloc(history->versions, (size_t)history->versionCapacity * SECTOR);
        if (history->versions == NULL) abort();
    }
    unsigned char *slot = history->versions + (size_t)history->versionCount * SECTOR;
    memset(slot, 0, SECTOR);
    int rc = real->pMethods->xRead(real, slot, SECTOR, sector * SECTOR);
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) abort();
    history->versionCount++;
}

static SectorHistory *historyFor(TrackedPath *tracked, sqlite3_int64 sector, sqlite3_file *real) {
    if (sector >= tracked->sectorCapacity) {
        sqlite3_int64 capacity = tracked->sectorCapacity == 0 ? 1024 : tracked->sectorCapacity;
        while (capacity <= sector) capacity *= 2;
        tracked->sectors = realloc(tracked->sectors, (size_t)capacity * sizeof(SectorHistory *));
        if (tracked->sectors == NULL) abort();
        memset(tracked->sectors + tracked->sectorCapacity, 0,
               (size_t)(capacity - tracked->sectorCapacity) * sizeof(SectorHistory *));
        tracked->sectorCapacity = capacity;
    }
    if (tracked->sectors[sector] == NULL) {
        SectorHistory *history = calloc(1, sizeof(SectorHistory));
        if (history == NULL) abort();
        history->absentAtSync = sector * SECTOR >= tracked->syncedSize;
        appendVersion(history, real, sector);  // the synced content, before this write
        tracked->sectors[sector] = history;
    }
    return tracked->sectors[sector];
}

/// The sector as the disk might hold it after power loss: one of its versions,
/// or two versions cut at a random 8-byte boundary (a torn write).
static int chooseSector(SectorHistory *history, unsigned char *out) {
    int last = history->versionCount - 1;
    int chosen = (int)(nextRandom() % (uint64_t)history->versionCount);
    sectorsPending++;
    if (history->versionCount > 1 && (int)(nextRandom() % 100) < tearPercent) {
        int other = (int)(nextRandom() % (uint64_t)(history->versionCount - 1));
        if (other >= chosen) other++;  // a version other than the chosen one
        size_t cut = (size_t)(1 + nextRandom() % (SECTOR / 8 - 1)) * 8;
        memcpy(out, history->versions + (size_t)chosen * SECTOR, cut);
        memcpy(out + cut, history->versions + (size_t)other * SECTOR + cut, SECTOR - cut);
        if (memcmp(out, history->versions + (size_t)last * SECTOR, SECTOR) != 0) sectorsTorn++;
        return 1;
    }
    if (chosen != last) sectorsRolledBack++;
    if (chosen == 0 && history->absentAtSync) return 0;
    memcpy(out, history->versions + (size_t)chosen * SECTOR, SECTOR);
    return 1;
}

/// The image of one file: `syncedOnly` keeps only what was synced (every
/// unsynced sector at its version 0), the least any real disk would hold.
static void writeImage(TrackedPath *tracked, const char *directory, int syncedOnly) {
    FILE *live = fopen(tracked->path, "rb");
    if (live == NULL) return;  // deleted since: nothing of it survives
    fseek(live, 0, SEEK_END);
    long size = ftell(live);
    fseek(live, 0, SEEK_SET);
    unsigned char *bytes = calloc(1, (size_t)size + SECTOR);
    if (bytes == NULL || fread(bytes, 1, (size_t)size, live) != (size_t)size) abort();
    fclose(live);
    sqlite3_int64 imageSize = tracked->syncedSize < size ? tracked->syncedSize : size;
    for (sqlite3_int64 sector = 0; sector < tracked->sectorCapacity; sector++) {
        SectorHistory *history = tracked->sectors[sector];
        if (history == NULL || sector * SECTOR >= size) continue;
        unsigned char version[SECTOR];
        if (!tracked->isWAL) crashedInDatabaseWrite = 1;  // a checkpoint was copying pages
        int present = syncedOnly ? !history->absentAtSync : chooseSector(history, version);
        if (syncedOnly && present) memcpy(version, history->versions, SECTOR);
        if (!present) {
            memset(bytes + sector * SECTOR, 0, SECTOR);
            continue;
        }
        memcpy(bytes + sector * SECTOR, version, SECTOR);
        sqlite3_int64 end = (sector + 1) * SECTOR < size ? (sector + 1) * SECTOR : size;
        if (end > imageSize) imageSize = end;
    }
    const char *name = strrchr(tracked->path, '/');
    char imagePath[2 * PATH_BYTES_MAX];
    snprintf(imagePath, sizeof imagePath, "%s%s", directory, name == NULL ? "/" : name);
    FILE *image = fopen(imagePath, "wb");
    if (image == NULL || fwrite(bytes, 1, (size_t)imageSize, image) != (size_t)imageSize) abort();
    fclose(image);
    free(bytes);
}

static void crashLocked(void) {
    if (atomic_load(&crashed)) return;
    // The writer is held here, so no commit completes meanwhile: a short pause
    // lets callers whose commits did complete see `crashed == 0`, so their
    // acknowledgements are checked rather than discounted.
    usleep((useconds_t)(nextRandom() % 5000));
    atomic_store(&crashed, 1);
    sectorsPending = sectorsRolledBack = sectorsTorn = 0;
    crashedInDatabaseWrite = 0;
    for (int index = 0; index < trackedPathCount; index++) {
        writeImage(&trackedPaths[index], imageDirectory, 0);
        writeImage(&trackedPaths[index], syncedImageDirectory, 1);
    }
    armed = 0;
}

/// Counts a tracked write or sync; at the crash point the image is written
/// before the operation happens. Returns 1 when the operation is to be recorded.
static int isCurrent(CrashFile *file) { return file->tracked != NULL && file->generation == generation; }

static int countOperation(CrashFile *file) {
    if (!isCurrent(file) || !armed) return 0;
    if (atomic_fetch_add(&operations, 1) + 1 == crashAt) {
        crashLocked();
        return 0;
    }
    return 1;
}

// MARK: I/O methods

static int shimClose(sqlite3_file *base) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xClose(file->real);
}

static int shimRead(sqlite3_file *base, void *buffer, int amount, sqlite3_int64 offset) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xRead(file->real, buffer, amount, offset);
}

static int shimWrite(sqlite3_file *base, const void *buffer, int amount, sqlite3_int64 offset) {
    CrashFile *file = (CrashFile *)base;
    if (file->tracked == NULL) return file->real->pMethods->xWrite(file->real, buffer, amount, offset);
    pthread_mutex_lock(&lock);
    int record = countOperation(file);
    sqlite3_int64 first = offset / SECTOR, last = (offset + amount - 1) / SECTOR;
    if (record) {
        for (sqlite3_int64 sector = first; sector <= last; sector++) historyFor(file->tracked, sector, file->real);
    }
    int rc = file->real->pMethods->xWrite(file->real, buffer, amount, offset);
    if (record && rc == SQLITE_OK) {
        for (sqlite3_int64 sector = first; sector <= last; sector++) {
            appendVersion(file->tracked->sectors[sector], file->real, sector);
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

static int shimTruncate(sqlite3_file *base, sqlite3_int64 size) {
    CrashFile *file = (CrashFile *)base;
    if (file->tracked == NULL) return file->real->pMethods->xTruncate(file->real, size);
    pthread_mutex_lock(&lock);
    int rc = file->real->pMethods->xTruncate(file->real, size);
    if (rc == SQLITE_OK && armed && isCurrent(file)) {  // truncation is durable at once in this model
        if (size < file->tracked->syncedSize) modelViolations++;
        forgetHistory(file->tracked, (size + SECTOR - 1) / SECTOR);
        SectorHistory *boundary = size % SECTOR && size / SECTOR < file->tracked->sectorCapacity
            ? file->tracked->sectors[size / SECTOR] : NULL;
        for (int version = 0; boundary != NULL && version < boundary->versionCount; version++) {
            memset(boundary->versions + (size_t)version * SECTOR + size % SECTOR, 0, SECTOR - size % SECTOR);
        }
        if (file->tracked->syncedSize > size) file->tracked->syncedSize = size;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

static int shimSync(sqlite3_file *base, int flags) {
    CrashFile *file = (CrashFile *)base;
    if (file->tracked == NULL) return file->real->pMethods->xSync(file->real, flags);
    pthread_mutex_lock(&lock);
    int record = countOperation(file);
    int rc = file->real->pMethods->xSync(file->real, flags);
    if (record && rc == SQLITE_OK) {
        forgetHistory(file->tracked, 0);
        file->tracked->syncedSize = realFileSize(file->real);
        if (file->tracked->isWAL) atomic_fetch_add(&walSyncs, 1);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

static int shimFileSize(sqlite3_file *base, sqlite3_int64 *size) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xFileSize(file->real, size);
}

static int shimLock(sqlite3_file *base, int level) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xLock(file->real, level);
}

static int shimUnlock(sqlite3_file *base, int level) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xUnlock(file->real, level);
}

static int shimCheckReservedLock(sqlite3_file *base, int *result) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xCheckReservedLock(file->real, result);
}

static int shimFileControl(sqlite3_file *base, int operation, void *argument) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xFileControl(file->real, operation, argument);
}

static int shimSectorSize(sqlite3_file *base) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xSectorSize(file->real);
}

static int shimDeviceCharacteristics(sqlite3_file *base) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

static int shimShmMap(sqlite3_file *base, int region, int size, int extend, void volatile **memory) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xShmMap(file->real, region, size, extend, memory);
}

static int shimShmLock(sqlite3_file *base, int offset, int count, int flags) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xShmLock(file->real, offset, count, flags);
}

static void shimShmBarrier(sqlite3_file *base) {
    CrashFile *file = (CrashFile *)base;
    file->real->pMethods->xShmBarrier(file->real);
}

static int shimShmUnmap(sqlite3_file *base, int deleteFlag) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xShmUnmap(file->real, deleteFlag);
}

static int shimFetch(sqlite3_file *base, sqlite3_int64 offset, int amount, void **pages) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xFetch(file->real, offset, amount, pages);
}

static int shimUnfetch(sqlite3_file *base, sqlite3_int64 offset, void *pages) {
    CrashFile *file = (CrashFile *)base;
    return file->real->pMethods->xUnfetch(file->real, offset, pages);
}

static const sqlite3_io_methods shimMethods = {
    3, shimClose, shimRead, shimWrite, shimTruncate, shimSync, shimFileSize, shimLock, shimUnlock,
    shimCheckReservedLock, shimFileControl, shimSectorSize, shimDeviceCharacteristics,
    shimShmMap, shimShmLock, shimShmBarrier, shimShmUnmap, shimFetch, shimUnfetch,
};

// MARK: VFS methods

static TrackedPath *trackedPathFor(const char *name) {
    if (name == NULL || trackedDirectory[0] == '\0') return NULL;
    if (strncmp(name, trackedDirectory, strlen(trackedDirectory)) != 0) return NULL;
    for (int index = 0; index < trackedPathCount; index++) {
        if (strcmp(trackedPaths[index].path, name) == 0) return &trackedPaths[index];
    }
    if (trackedPathCount == TRACKED_FILES_MAX || strlen(name) >= PATH_BYTES_MAX) abort();
    if (armed) modelViolations++;  // created after arming: its creation is not modelled
    TrackedPath *tracked = &trackedPaths[trackedPathCount++];
    memset(tracked, 0, sizeof *tracked);
    strcpy(tracked->path, name);
    size_t length = strlen(name);
    tracked->isWAL = length > 4 && strcmp(name + length - 4, "-wal") == 0;
    return tracked;
}

static int shimOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *base, int flags, int *outFlags) {
    (void)vfs;
    CrashFile *file = (CrashFile *)base;
    file->real = (sqlite3_file *)&file[1];
    int rc = realVFS->xOpen(realVFS, name, file->real, flags, outFlags);
    if (file->real->pMethods == NULL) {
        base->pMethods = NULL;
        return rc;
    }
    if (file->real->pMethods->iVersion < 3) abort();  // the shim forwards version-3 methods (unix has them)
    pthread_mutex_lock(&lock);
    file->tracked = trackedPathFor(name);
    file->generation = generation;
    pthread_mutex_unlock(&lock);
    base->pMethods = &shimMethods;
    return rc;
}

static int shimDelete(sqlite3_vfs *vfs, const char *name, int syncDirectory) {
    (void)vfs;
    pthread_mutex_lock(&lock);
    for (int index = 0; armed && index < trackedPathCount; index++) {
        if (strcmp(trackedPaths[index].path, name) == 0) modelViolations++;  // deletion is not modelled
    }
    pthread_mutex_unlock(&lock);
    return realVFS->xDelete(realVFS, name, syncDirectory);
}

static int shimAccess(sqlite3_vfs *vfs, const char *name, int flags, int *result) {
    (void)vfs;
    return realVFS->xAccess(realVFS, name, flags, result);
}

static int shimFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    return realVFS->xFullPathname(realVFS, name, size, out);
}

static void *shimDlOpen(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return realVFS->xDlOpen(realVFS, name);
}

static void shimDlError(sqlite3_vfs *vfs, int size, char *message) {
    (void)vfs;
    realVFS->xDlError(realVFS, size, message);
}

static void (*shimDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return realVFS->xDlSym(realVFS, handle, symbol);
}

static void shimDlClose(sqlite3_vfs *vfs, void *handle) {
    (void)vfs;
    realVFS->xDlClose(realVFS, handle);
}

static int shimRandomness(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return realVFS->xRandomness(realVFS, size, out);
}

static int shimSleep(sqlite3_vfs *vfs, int microseconds) {
    (void)vfs;
    return realVFS->xSleep(realVFS, microseconds);
}

static int shimCurrentTime(sqlite3_vfs *vfs, double *now) {
    (void)vfs;
    return realVFS->xCurrentTime(realVFS, now);
}

static int shimGetLastError(sqlite3_vfs *vfs, int size, char *message) {
    (void)vfs;
    return realVFS->xGetLastError(realVFS, size, message);
}

static int shimCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *now) {
    (void)vfs;
    return realVFS->xCurrentTimeInt64(realVFS, now);
}

static int shimSetSystemCall(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr call) {
    (void)vfs;
    return realVFS->xSetSystemCall(realVFS, name, call);
}

static sqlite3_syscall_ptr shimGetSystemCall(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return realVFS->xGetSystemCall(realVFS, name);
}

static const char *shimNextSystemCall(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return realVFS->xNextSystemCall(realVFS, name);
}

// MARK: Public API

int crashsim_register(void) {
    pthread_mutex_lock(&lock);
    int rc = SQLITE_OK;
    if (realVFS == NULL) {
        realVFS = sqlite3_vfs_find(NULL);
        shimVFS = (sqlite3_vfs){
            3, (int)sizeof(CrashFile) + realVFS->szOsFile, realVFS->mxPathname, NULL, "crashsim", NULL,
            shimOpen, shimDelete, shimAccess, shimFullPathname, shimDlOpen, shimDlError, shimDlSym, shimDlClose,
            shimRandomness, shimSleep, shimCurrentTime, shimGetLastError, shimCurrentTimeInt64,
            shimSetSystemCall, shimGetSystemCall, shimNextSystemCall,
        };
        rc = sqlite3_vfs_register(&shimVFS, 1);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void crashsim_track(const char *directory) {
    pthread_mutex_lock(&lock);
    for (int index = 0; index < trackedPathCount; index++) {
        forgetHistory(&trackedPaths[index], 0);
        free(trackedPaths[index].sectors);
    }
    trackedPathCount = 0;
    generation++;
    armed = 0;
    atomic_store(&crashed, 0);
    snprintf(trackedDirectory, sizeof trackedDirectory, "%s", directory);
    pthread_mutex_unlock(&lock);
}

void crashsim_arm(const char *image_directory, const char *synced_image_directory, uint64_t seed,
                  uint64_t crash_at, int tear_percent) {
    pthread_mutex_lock(&lock);
    snprintf(imageDirectory, sizeof imageDirectory, "%s", image_directory);
    snprintf(syncedImageDirectory, sizeof syncedImageDirectory, "%s", synced_image_directory);
    modelViolations = 0;
    for (int index = 0; index < trackedPathCount; index++) {
        TrackedPath *tracked = &trackedPaths[index];
        forgetHistory(tracked, 0);
        FILE *file = fopen(tracked->path, "rb");
        tracked->syncedSize = 0;
        if (file != NULL) {
            fseek(file, 0, SEEK_END);
            tracked->syncedSize = ftell(file);
            fclose(file);
        }
    }
    randomState = seed;
    crashAt = crash_at;
    tearPercent = tear_percent;
    atomic_store(&operations, 0);
    atomic_store(&walSyncs, 0);
    atomic_store(&crashed, 0);
    armed = 1;
    pthread_mutex_unlock(&lock);
}

void crashsim_crash_now(void) {
    pthread_mutex_lock(&lock);
    crashLocked();
    pthread_mutex_unlock(&lock);
}

void crashsim_stop(void) {
    pthread_mutex_lock(&lock);
    armed = 0;
    trackedDirectory[0] = '\0';
    pthread_mutex_unlock(&lock);
}

int crashsim_crashed(void) { return atomic_load(&crashed); }
uint64_t crashsim_wal_syncs(void) { return atomic_load(&walSyncs); }
uint64_t crashsim_operations(void) { return atomic_load(&operations); }
uint64_t crashsim_sectors_pending(void) { return sectorsPending; }
uint64_t crashsim_sectors_rolled_back(void) { return sectorsRolledBack; }
uint64_t crashsim_sectors_torn(void) { return sectorsTorn; }
int crashsim_crashed_in_database_write(void) { return crashedInDatabaseWrite; }
uint64_t crashsim_model_violations(void) { return modelViolations; }
