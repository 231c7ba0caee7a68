// swift-tools-version:6.0
// Targets are the architecture; dependencies point one way:
// PosternCore ← PosternAWS ← postern (CLI).
import PackageDescription

let package = Package(
    name: "Postern",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "postern", targets: ["postern"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .target(
            name: "PosternCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "PosternAWS",
            dependencies: ["PosternCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .systemLibrary(name: "CNCurses", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .executableTarget(
            name: "postern",
            dependencies: [
                "PosternCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PosternCoreTests", dependencies: ["PosternCore"]),
        .testTarget(name: "PosternAWSTests", dependencies: ["PosternAWS"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PosternCLITests", dependencies: ["postern", "PosternCore"]),
        .testTarget(name: "PosternServiceTests", dependencies: []),
    ],
    swiftLanguageModes: [.v6]
)
