import Crypto
import Foundation
import LedgerStore
import Testing

/// The chain hash against its documented form, computed here from the
/// documentation's words (SHA-256 over prev_hash and each field followed by a
/// newline), never by calling the product: a field left out of the hash, or
/// moved, changes these values. And every field changes the hash.
@Suite struct ChainHashGoldenTests {
    static let event = StoredEvent(position: 42, stream: "job-vid_7", version: 3, type: "credit.refunded", schemaVersion: 1,
                                   recordedAt: "2026-11-23T10:03:58.000Z", data: #"{"account":"acct_1","amount":25}"#,
                                   dataSHA256: String(repeating: "d", count: 64), metadata: #"{"actor":"app"}"#,
                                   idempotencyKey: "key-1", prevHash: String(repeating: "a", count: 64), hash: "")

    static func documented(_ event: StoredEvent) -> String {
        let metadataDigest = SHA256.hash(data: Data(event.metadata.utf8)).map { String(format: "%02x", $0) }.joined()
        let fields = [event.prevHash, String(event.position), event.stream, String(event.version), event.type,
                      String(event.schemaVersion), event.recordedAt, event.dataSHA256, metadataDigest, event.idempotencyKey ?? ""]
        let canonical = fields.joined(separator: "\n") + "\n"
        return SHA256.hash(data: Data(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test func theHashIsTheDocumentedOneAndAGoldenValue() {
        #expect(ChainHasher.hash(of: Self.event) == Self.documented(Self.event))
        // Computed once outside Swift (Python's hashlib over the documented text): a change to the format changes it.
        #expect(ChainHasher.hash(of: Self.event) == "2cc1b52491c244e4a1076a6c3380358cdd5f1789412c25b9348996ac2d53d4d2")
    }

    @Test func everyFieldChangesTheHash() {
        let base = ChainHasher.hash(of: Self.event)
        let changes: [(String, (inout StoredEvent) -> Void)] = [
            ("prev_hash", { $0.prevHash = String(repeating: "b", count: 64) }), ("position", { $0.position += 1 }),
            ("stream", { $0.stream = "job-vid_8" }), ("version", { $0.version += 1 }), ("type", { $0.type = "credit.recharged" }),
            ("schema_version", { $0.schemaVersion = 2 }), ("recorded_at", { $0.recordedAt = "2026-11-23T10:03:59.000Z" }),
            ("data_sha256", { $0.dataSHA256 = String(repeating: "e", count: 64) }), ("metadata", { $0.metadata = #"{"actor":"ops"}"# }),
            ("idempotency_key", { $0.idempotencyKey = nil }),
        ]
        for (field, change) in changes {
            var changed = Self.event
            change(&changed)
            #expect(ChainHasher.hash(of: changed) != base, "\(field) is hashed")
            #expect(ChainHasher.hash(of: changed) == Self.documented(changed), "\(field) as documented")
        }
        var redacted = Self.event
        redacted.data = #"{"account":"acct_1","amount":99}"#
        #expect(ChainHasher.hash(of: redacted) == base, "data enters as its recorded digest only")
    }
}
