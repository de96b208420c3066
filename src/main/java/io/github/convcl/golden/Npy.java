// Reading and writing NumPy .npy files (float32 and float64, C order).
package io.github.convcl.golden;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A .npy array as float32 values with its shape. Reads versions 1-3, little or big endian f4/f8; writes v1 '<f4'. */
public record Npy(int[] shape, float[] data) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=]?)([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    public static Npy read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < 10 || !Arrays.equals(Arrays.copyOf(all, 6), MAGIC)) {
            throw new IOException(file + " is not a .npy file");
        }
        int major = all[6];
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int start;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xffff;
            start = 10;
        } else {
            headerLen = all.length >= 12 ? bb.getInt(8) : -1;
            start = 12;
        }
        if (headerLen < 0 || (long) start + headerLen > all.length) {
            throw new IOException(file + " is truncated: its header runs past the file's " + all.length + " bytes");
        }
        String header = new String(all, start, headerLen, major >= 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !s.find()) {
            throw new IOException(file + ": unreadable .npy header " + header.trim());
        }
        if (f.find() && f.group(1).equals("True")) {
            throw new IOException(file + ": Fortran-order arrays are not supported");
        }
        String[] dims = s.group(1).split(",");
        int[] shape;
        try {
            shape = Arrays.stream(dims).map(String::trim).filter(t -> !t.isEmpty()).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IOException(file + ": shape (" + s.group(1) + ") is not a tuple of integers");
        }
        long n = 1;
        for (int v : shape) {
            if (v < 0) {
                throw new IOException(file + ": shape (" + s.group(1) + ") has a negative dimension");
            }
            try {
                n = Math.multiplyExact(n, (long) v);
            } catch (ArithmeticException e) {
                n = Long.MAX_VALUE; // past any size a file can back, refused below
            }
        }
        ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        String kind = d.group(2) + d.group(3);
        if (!kind.equals("f4") && !kind.equals("f8")) {
            throw new IOException(file + ": dtype " + d.group(0) + " is not float32 or float64");
        }
        // The data's size is checked against the file before anything is allocated: a header may claim any shape.
        long bytes = all.length - start - (long) headerLen;
        int item = kind.equals("f4") ? 4 : 8;
        if (n > io.github.convcl.spec.Shapes.MAX_ELEMENTS || n * item > bytes) {
            throw new IOException(file + ": shape (" + s.group(1).trim() + ") of " + kind + " needs " + (n > Long.MAX_VALUE / item ? "more than "
                    + Long.MAX_VALUE : n * item) + " bytes of data, the file holds " + bytes);
        }
        ByteBuffer body = ByteBuffer.wrap(all, start + headerLen, all.length - start - headerLen).slice().order(order);
        float[] data = new float[Math.toIntExact(n)];
        switch (kind) {
            case "f4" -> body.asFloatBuffer().get(data);
            case "f8" -> {
                var db = body.asDoubleBuffer();
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) db.get(i);
                }
            }
            default -> throw new IOException(file + ": dtype " + d.group(0) + " is not float32 or float64");
        }
        return new Npy(shape, data);
    }

    public static void write(Path file, int[] shape, float[] data) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (int v : shape) {
            dims.append(v).append(", ");
        }
        if (shape.length > 1) {
            dims.setLength(dims.length() - 1);
            dims.setLength(dims.length() - 1);
        } else if (shape.length == 1) {
            dims.setLength(dims.length() - 1);
        }
        String h = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        int total = 10 + h.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = h + " ".repeat(pad) + "\n";
        ByteBuffer out = ByteBuffer.allocate(10 + header.length() + data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.ISO_8859_1));
        out.asFloatBuffer().put(data);
        try (OutputStream os = Files.newOutputStream(file)) {
            os.write(out.array());
        }
    }
}
