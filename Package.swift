// swift-tools-version:6.1
import PackageDescription

// Targets by layer, dependencies pointing inward:
//   LedgerCore (pure) <- LedgerStore (the engine seam and the engine written once; no database library)
//   LedgerStore <- LedgerSQLite (the SQLite dialect, GRDB) and LedgerPostgres (the PostgreSQL dialect, postgres-nio)
//   LedgerStore <- LedgerHTTP (Hummingbird), LedgerBackground: neither links a database library
//   LedgerCore <- LedgerProviders (profiles, signatures) <- LedgerHTTP
//   everything <- LedgerCLI (the composition root) <- ledger
//   LedgerTesting (builders, fixtures, the store conformance suite) for tests and tools.
let package = Package(
    name: "CompletionLedger",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ledger", targets: ["ledger"]),
        .executable(name: "ledger-bench", targets: ["ledger-bench"]),
        .executable(name: "fake-peers", targets: ["fake-peers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // A client generated from Schemas/openapi.yaml runs the README's tour (tests only).
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", from: "1.5.0"),
        // Already built for async-http-client and postgres-nio; named for TLS to a PostgreSQL host.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .target(name: "LedgerCore"),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "LedgerStore",
            dependencies: [
                "LedgerCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "LedgerSQLite",
            dependencies: [
                "LedgerCore",
                "LedgerStore",
                "CSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "LedgerPostgres",
            dependencies: [
                "LedgerCore",
                "LedgerStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "LedgerTesting",
            dependencies: ["LedgerCore", "LedgerStore"]
        ),
        .target(
            name: "LedgerProviders",
            dependencies: ["LedgerCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "LedgerBackground",
            dependencies: [
                "LedgerCore", "LedgerStore", "LedgerProviders",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "LedgerHTTP",
            dependencies: [
                "LedgerCore",
                "LedgerStore",
                "LedgerProviders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "LedgerCLI",
            dependencies: [
                "LedgerCore",
                "LedgerStore",
                "LedgerSQLite",
                "LedgerHTTP",
                "LedgerProviders",
                "LedgerBackground",
                "LedgerPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // `ledger send` posts a test webhook; already built for the background work.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(name: "ledger", dependencies: ["LedgerCLI"]),
        .target(
            name: "LedgerFakes",
            dependencies: ["LedgerCore", "LedgerProviders", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        .executableTarget(name: "fake-peers", dependencies: ["LedgerFakes", .product(name: "Hummingbird", package: "hummingbird")],
                          path: "Tools/fake-peers"),
        .executableTarget(
            name: "ledger-bench",
            dependencies: [
                "LedgerCore", "LedgerStore", "LedgerSQLite", "LedgerPostgres", "LedgerProviders", "LedgerTesting", "CSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tools/ledger-bench"
        ),
        .testTarget(name: "LedgerPostgresTests", dependencies: ["LedgerCore", "LedgerStore", "LedgerPostgres", "LedgerTesting"]),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "LedgerStore", "LedgerSQLite", "LedgerTesting"]),
        // Test-only: an SQLite VFS shim that simulates power loss (Tests/CrashSimVFS/include/crashsim.h).
        .target(name: "CrashSimVFS", dependencies: ["CSQLite"], path: "Tests/CrashSimVFS"),
        .testTarget(
            name: "LedgerStoreTests",
            dependencies: [
                "LedgerCore", "LedgerStore", "LedgerSQLite", "LedgerTesting", "CrashSimVFS",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "LedgerHTTPTests",
            dependencies: [
                "LedgerCore", "LedgerStore", "LedgerSQLite", "LedgerHTTP", "LedgerProviders", "LedgerTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "LedgerBackgroundTests",
            dependencies: [
                "LedgerCore", "LedgerStore", "LedgerSQLite", "LedgerProviders", "LedgerBackground", "LedgerHTTP", "LedgerFakes",
                "LedgerTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "LedgerCLITests",
            dependencies: [
                "ledger", "LedgerCLI", "LedgerCore", "LedgerStore", "LedgerSQLite", "LedgerTesting", "LedgerFakes", "LedgerProviders", "LedgerPostgres",
                "LedgerBackground",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
            ],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
