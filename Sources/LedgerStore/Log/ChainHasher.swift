import Crypto
import Foundation
import LedgerCore

/// The hash chain: `hash = SHA-256(prev_hash || canonical row)`.
///
/// The canonical row is these fields, each followed by a newline (fields that
/// could hold a newline are refused by CHECK constraints, or enter as digests):
///
///     prev_hash, position, stream, version, type, schema_version, recorded_at,
///     SHA-256(data), SHA-256(metadata), idempotency_key (empty when none)
///
/// `data` enters as its recorded digest (the `data_sha256` column), so a
/// retention policy can later redact a body while the chain still verifies;
/// `ledger verify` checks each body against its digest separately.
/// `metadata` enters as its digest too.
public enum ChainHasher {
    public static func hash(of event: StoredEvent) -> String {
        hash(prevHash: event.prevHash, position: event.position, stream: event.stream, version: event.version,
             type: event.type, schemaVersion: event.schemaVersion, recordedAt: event.recordedAt,
             dataDigest: event.dataSHA256, metadataDigest: digest(event.metadata),
             idempotencyKey: event.idempotencyKey)
    }

    // swiftlint:disable:next function_parameter_count
    static func hash(prevHash: String, position: Int64, stream: String, version: Int64, type: String,
                     schemaVersion: Int, recordedAt: String, dataDigest: String, metadataDigest: String,
                     idempotencyKey: String?) -> String {
        var canonical = prevHash
        canonical.reserveCapacity(320 + stream.utf8.count)
        for field in [String(position), stream, String(version), type, String(schemaVersion), recordedAt,
                      dataDigest, metadataDigest, idempotencyKey ?? ""] {
            canonical += "\n"
            canonical += field
        }
        canonical += "\n"
        return digest(canonical)
    }

    /// Lowercase hex SHA-256 of the UTF-8 bytes of `text`.
    public static func digest(_ text: String) -> String {
        hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// Lowercase hex SHA-256 of `bytes`.
    public static func digest(bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }

    private static func hex(_ digest: SHA256.Digest) -> String { Hex.string(digest) }
}
