// swift-tools-version:6.0
// libFuzzer targets for Postern's decoders, kept out of the main package so `swift build` and
// `swift test` never see them. scripts/fuzz builds them (-sanitize=fuzzer,address, release,
// -enable-testing for the internal framer) and runs them; without -sanitize=fuzzer they do not
// link, libFuzzer's driver being missing.
import PackageDescription

let core = Target.Dependency.product(name: "PosternCore", package: "Postern")

let package = Package(
    name: "PosternFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Postern", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"]),
        .executableTarget(name: "fuzz-resp", dependencies: ["FuzzSupport", core]),
        .executableTarget(
            name: "fuzz-pg-frontend",
            dependencies: [
                "FuzzSupport", .product(name: "PosternProxy", package: "Postern"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "fuzz-pg-startup",
            dependencies: [
                "FuzzSupport", core, .product(name: "PosternProxy", package: "Postern"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "fuzz-config", dependencies: ["FuzzSupport", core]),
        .executableTarget(
            name: "fuzz-filter",
            dependencies: ["FuzzSupport", core, .product(name: "PosternTUI", package: "Postern")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
