// Reads the Fashion-MNIST images (IDX format, gzip) of the Debian package dataset-fashion-mnist.
package io.github.convcl.nn;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Fashion-MNIST's images as floats in [0, 1] (pixel / 255), one (1, rows, cols) plane per image, in file order. */
public record FashionMnist(int count, int rows, int cols, float[] pixels) {
    /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
    public static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");
    /** The training images' file. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";

    private static final int IMAGES_MAGIC = 0x00000803;

    /**
     * Reads the training images under {@code dir}.
     *
     * @throws IllegalArgumentException when the file is missing (naming the package to install) or is not an IDX image file
     */
    public static FashionMnist train(Path dir) throws IOException {
        Path file = dir.resolve(TRAIN_IMAGES);
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new IllegalArgumentException(file + " is not an IDX image file (magic 0x" + Integer.toHexString(magic) + ", expected 0x803)");
            }
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            byte[] bytes = new byte[Math.multiplyExact(count, Math.multiplyExact(rows, cols))];
            in.readFully(bytes);
            float[] pixels = new float[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                pixels[i] = (bytes[i] & 0xff) / 255f;
            }
            return new FashionMnist(count, rows, cols, pixels);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Fashion-MNIST is not installed: " + file + " is missing; install it with "
                    + "`apt-get install dataset-fashion-mnist` (or pass the folder that holds " + TRAIN_IMAGES + ")");
        }
    }

    /** The pixels of images [first, first + n) wrapping round the end, as one (n, 1, rows, cols) batch. */
    public float[] batch(int first, int n, float[] into) {
        int plane = rows * cols;
        for (int i = 0; i < n; i++) {
            int image = Math.floorMod(first + i, count);
            System.arraycopy(pixels, image * plane, into, i * plane, plane);
        }
        return into;
    }
}
