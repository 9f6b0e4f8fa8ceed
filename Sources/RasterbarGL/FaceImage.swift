// One face of a cubemap, decoded through the store so saving it rebuilds the
// cubemap. Faces are kept as images (not textures): a cube texture is made of
// all six at once.
import RasterbarCore

/// A decoded PNG face of a cubemap.
public final class FaceImage: Loadable {
    public let image: Image

    init(image: Image) { self.image = image }

    public static let kind = "cubemap face"

    public static func load(from context: LoadContext) throws -> FaceImage {
        FaceImage(image: try Image(pngData: try context.read(context.key.path), name: context.key.path))
    }

    /// A grey face until the file has loaded once.
    public static func fallback(for key: ResourceKey) -> FaceImage? {
        FaceImage(image: Image(width: 1, height: 1, pixels: [128, 128, 128, 255]))
    }

    public static func key(for path: String) throws -> ResourceKey { try .logical("cubeface", path) }

    /// The six faces' images, checked to be square and of one size (GL refuses anything else).
    public static func squareFaces(_ faces: [FaceImage], paths: [String]) throws -> [Image] {
        let size = faces[0].image.width
        for (face, path) in zip(faces, paths) where face.image.width != size || face.image.height != size {
            throw RasterbarError(.invalidImage, "cubemap face is \(face.image.width)x\(face.image.height); every face must be square and \(size)x\(size) like the first",
                                 at: path, hint: "resize the faces to one square size")
        }
        return faces.map(\.image)
    }
}
