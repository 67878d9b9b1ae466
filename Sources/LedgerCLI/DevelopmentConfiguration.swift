import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LedgerProviders
import LedgerHTTP
import LedgerPostgres

/// What `ledger serve` uses when it is given no configuration at all (no
/// `--config`, no `LEDGER_KEYS`): a configuration file beside the database,
/// created once with random API keys and provider secrets, readable by its
/// owner only. It is an ordinary `--config` file, so `ledger sign --config`
/// reads the same secrets to sign test webhooks.
enum DevelopmentConfiguration {
    static let fileName = "ledger-dev.json"

    /// The file's path, creating it if it does not exist yet.
    static func ensure(besideDatabase databasePath: String) throws(ConfigurationError) -> String {
        // A PostgreSQL ledger has no folder: the file goes in the working directory.
        let folder = PostgresLocation.isPostgresURL(databasePath)
            ? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            : URL(fileURLWithPath: databasePath).deletingLastPathComponent()
        let path = folder.appendingPathComponent(fileName).path
        var status = stat()
        if lstat(path, &status) == 0 {
            try trust(path, status)
            return path
        }
        // Created readable by its owner only from the first byte (Foundation's createFile wrote
        // the keys at 0644 and then narrowed them), and never through a name that appeared meanwhile.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ConfigurationError(key: "LEDGER_KEYS", detail: "not set, and \(path) cannot be written for development keys")
        }
        defer { close(descriptor) }
        let bytes = Array(generate().utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw ConfigurationError(key: "LEDGER_KEYS", detail: "not set, and \(path) cannot be written for development keys")
        }
        return path
    }

    /// An existing file's keys open the admin pages: it must be a regular
    /// file of this user that no one else can change (a file another user
    /// planted beside the database chose the admin key).
    private static func trust(_ path: String, _ status: stat) throws(ConfigurationError) {
        let problem: String? = if status.st_mode & S_IFMT != S_IFREG {
            "is not a regular file (a link or a folder)"
        } else if status.st_uid != geteuid() {
            "belongs to another user (uid \(status.st_uid))"
        } else if status.st_mode & 0o022 != 0 {
            "can be changed by other users (mode \(String(status.st_mode & 0o777, radix: 8)))"
        } else {
            nil
        }
        guard let problem else { return }
        throw ConfigurationError(key: "LEDGER_KEYS", detail: "not set, and \(path) \(problem): its keys cannot be trusted; "
                                 + "remove it (a new one is made) or run chmod 600 on it as its owner")
    }

    private static func generate() -> String {
        func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }
        func hex(_ count: Int) -> String { random(count).map { String(format: "%02x", $0) }.joined() }
        let whsec = { "whsec_" + Data(random(24)).base64EncodedString() }
        return """
            {
              "keys": "\(APIKeys.generateDevelopmentKeys())",
              "providers": {
                "standard": {"secret": "\(whsec())"},
                "replicate": {"secret": "\(whsec())"},
                "wavespeed": {"secret": "wavespeed_\(hex(16))"},
                "nca": {"secret": "nca_\(hex(16))"}
              }
            }

            """
    }
}
