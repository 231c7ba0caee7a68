// swift-tools-version:6.0
// Targets are the architecture; dependencies point one way:
// PosternCore (pure model) ← PosternAWS ← PosternProxy (an engine-neutral Core and one folder per
// engine, Sources/PosternProxy/README.md); PosternCore ← PosternAudit (store; its formats:
// Sources/PosternAudit/README.md);
// PosternProxy + PosternAudit ← PosternService (composition: the engines a build has, the proxy
// assembly, live config and RBAC, the bastion service and its client);
// PosternCore ← PosternTUI (console; reaches proxy and audit only through interfaces and sockets);
// all ← postern (the thin CLI).
import PackageDescription

let nio = Package.Dependency.package(url: "https://github.com/apple/swift-nio", from: "2.101.2")

let package = Package(
    name: "Postern",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "postern", targets: ["postern"]),
        // For the fuzz targets' package (Tests/Fuzz), which depends on this one by path.
        .library(name: "PosternCore", targets: ["PosternCore"]),
        .library(name: "PosternProxy", targets: ["PosternProxy"]),
        .library(name: "PosternTUI", targets: ["PosternTUI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        nio,
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/CoreOffice/XMLCoder", from: "0.18.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .target(
            name: "PosternCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "PosternAWS",
            dependencies: [
                "PosternCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "XMLCoder", package: "XMLCoder"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PosternProxy",
            dependencies: [
                "PosternCore", "PosternAWS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "PosternAudit",
            dependencies: [
                "PosternCore", "CFallocate", "CLibPQ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "PosternService",
            dependencies: [
                "PosternCore", "PosternAWS", "PosternProxy", "PosternAudit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .systemLibrary(name: "CNCurses", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        // fallocate(2), for the audit journal (glibc declares it only under _GNU_SOURCE).
        .systemLibrary(name: "CFallocate"),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "PosternTUI", dependencies: ["PosternCore", "CNCurses", "CLibPQ"]),
        .executableTarget(name: "postern-bench-tui", dependencies: ["PosternTUI", "PosternCore"]),
        .executableTarget(
            name: "postern",
            dependencies: [
                "PosternCore", "PosternAWS", "PosternProxy", "PosternTUI", "PosternAudit", "PosternService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "PosternCoreTests", dependencies: ["PosternCore"]),
        .testTarget(
            name: "PosternAuditTests",
            dependencies: ["PosternAudit", "PosternCore", "postern", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "PosternAWSTests",
            dependencies: [
                "PosternAWS", "PosternCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "PosternCLITests", dependencies: ["postern", "PosternCore"]),
        // One loader of scripts/services' env file for every integration test target.
        .target(name: "PosternTestSupport", path: "Tests/PosternTestSupport"),
        .testTarget(name: "PosternServiceTests", dependencies: ["PosternTestSupport"]),
        // Bastion mode with real Unix users (root only: useradd, runuser) and the built binary.
        .testTarget(
            name: "PosternBastionTests",
            dependencies: ["postern", "PosternService", "PosternTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "PosternTUITests", dependencies: ["PosternTUI", "PosternCore", "postern", "PosternTestSupport"], exclude: ["Snapshots"]),
        .testTarget(
            name: "PosternProxyTests",
            dependencies: [
                "PosternProxy", "PosternCore", "PosternAWS", "PosternAudit", "postern", "PosternTestSupport", "CLibPQ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
