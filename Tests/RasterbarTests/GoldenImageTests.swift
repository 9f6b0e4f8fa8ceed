// The bundled demo rendered headless at fixed times, compared with reference
// PNGs in Golden/. GPUs and llvmpipe differ slightly, so the comparison allows
// a small per-channel difference on a small share of pixels.
// Re-record with RASTERBAR_RECORD_GOLDEN=1: the run writes the files and fails
// once, saying so, so a re-recording is never mistaken for a pass.
import XCTest
@testable import RasterbarCore
@testable import RasterbarHost

final class GoldenImageTests: XCTestCase {
    static let size = PixelSize(width: 320, height: 180)
    static let tolerance = 12            // per channel, out of 255
    static let allowedShare = 0.005      // of pixels beyond the tolerance
    let goldenFolder = repositoryRoot.appendingPathComponent("Tests/RasterbarTests/Golden")

    func check(time: Double, name: String) throws {
        let demo = try DemoFolder.load(repositoryRoot.appendingPathComponent("demo.json").path)
        let image = try renderHeadless(demo, at: time, size: Self.size)
        let path = goldenFolder.appendingPathComponent("\(name).png").path
        if ProcessInfo.processInfo.environment["RASTERBAR_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: goldenFolder, withIntermediateDirectories: true)
            try image.writePNG(to: path)
            XCTFail("re-recorded \(path); unset RASTERBAR_RECORD_GOLDEN and run again")
            return
        }
        guard FileManager.default.fileExists(atPath: path) else {
            return XCTFail("no golden image \(path): record it with RASTERBAR_RECORD_GOLDEN=1")
        }
        let golden = try Image(pngFile: path)
        XCTAssertEqual([golden.width, golden.height], [image.width, image.height], "size of \(name)")
        guard golden.width == image.width, golden.height == image.height else { return }
        let difference = ImageDifference(golden, image, tolerance: Self.tolerance)
        XCTAssertLessThanOrEqual(difference.differingShare, Self.allowedShare, "\(name) at t=\(time): \(difference)")
        if difference.differingShare > Self.allowedShare {
            let actual = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-actual.png").path
            try image.writePNG(to: actual)
            print("golden mismatch: compare \(path) with \(actual)")
        }
    }

    func testCopperBars() throws { try check(time: 2, name: "copper-2.0") }
    func testCrossfadeHalfWay() throws { try check(time: 8.5, name: "crossfade-8.5") }
    func testTunnelWithAFlashLayer() throws { try check(time: 13, name: "tunnel-flash-13.0") }
    func testWipeHalfWay() throws { try check(time: 17, name: "wipe-17.0") }
    func testParticleScript() throws { try check(time: 20, name: "fountain-20.0") }
    func testSpheres() throws { try check(time: 27.25, name: "spheres-27.25") }
    func testFeedbackScript() throws { try check(time: 35, name: "feedback-35.0") }

    /// The comparison itself must catch a real change, or these tests prove nothing.
    func testComparisonCatchesAChangedFrame() throws {
        let demo = try DemoFolder.load(repositoryRoot.appendingPathComponent("demo.json").path)
        let a = try renderHeadless(demo, at: 2, size: Self.size)
        let b = try renderHeadless(demo, at: 2.1, size: Self.size)
        XCTAssertGreaterThan(ImageDifference(a, b, tolerance: Self.tolerance).differingShare, Self.allowedShare)
        XCTAssertEqual(ImageDifference(a, a, tolerance: 0).maxChannelDelta, 0)
    }

    func testPNGRoundTrip() throws {
        let demo = try DemoFolder.load(repositoryRoot.appendingPathComponent("demo.json").path)
        let image = try renderHeadless(demo, at: 11, size: PixelSize(width: 33, height: 17))
        XCTAssertGreaterThan(Set(image.pixels).count, 20)
        XCTAssertEqual(try Image(pngData: try image.pngData(), name: "memory"), image)
        assertRasterbarError(.invalidImage) { try Image(pngData: Array("not a png".utf8), name: "garbage.png") }
    }
}
