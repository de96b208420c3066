// Built OpenCL programs cached on disk, keyed by source, options, device, driver and library version.
package io.github.convcl.opencl;

import io.github.convcl.Version;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of program binaries. The key hashes the source, the build options, the device name, the driver
 * and platform versions and the library version, so a driver update never loads a stale binary. Files are
 * written atomically (temporary file, then rename) and carry a checksum: a corrupt entry is deleted and rebuilt.
 *
 * <p>Location: {@link io.github.convcl.config.Settings#cacheDir()}; {@code -Dconvcl.cache=off} disables it.
 */
public final class ProgramCache {
    private static final Logger LOG = LoggerFactory.getLogger(ProgramCache.class);
    private static final byte[] MAGIC = "CONVCL-PROGRAM-1\n".getBytes(StandardCharsets.US_ASCII);

    private final Path dir;

    public ProgramCache(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    /** The cache key of one program build. */
    public static String key(String source, String options, ClDevice device) {
        String material = String.join("\u0000", source, options, device.name(), device.driverVersion(),
                device.platformVersion(), device.deviceVersion(), Version.VERSION);
        return HexFormat.of().formatHex(sha256(material.getBytes(StandardCharsets.UTF_8)));
    }

    public Path file(String key) {
        return dir.resolve(key + ".clbin");
    }

    /** The stored binary, or empty when absent or corrupt (a corrupt file is deleted). */
    public Optional<byte[]> load(String key) {
        Path f = file(key);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            byte[] all = Files.readAllBytes(f);
            int header = MAGIC.length + 32;
            if (all.length > header && Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                byte[] binary = Arrays.copyOfRange(all, header, all.length);
                if (Arrays.equals(sha256(binary), Arrays.copyOfRange(all, MAGIC.length, header))) {
                    return Optional.of(binary);
                }
            }
            LOG.warn("Program cache entry {} is corrupt; deleting it and rebuilding", f);
            Files.deleteIfExists(f);
        } catch (IOException e) {
            LOG.warn("Program cache entry {} could not be read ({}); rebuilding", f, e.toString());
        }
        return Optional.empty();
    }

    /**
     * Stores a binary atomically (a temporary file moved into place); failures are logged once at WARN, never thrown,
     * and leave no temporary file behind: the cache only saves build time, so a read-only or full disk must not stop
     * a run.
     */
    public void store(String key, byte[] binary) {
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, key, ".tmp");
            ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 32 + binary.length);
            b.put(MAGIC).put(sha256(binary)).put(binary);
            Files.write(tmp, b.array());
            Files.move(tmp, file(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException | RuntimeException e) {
            if (!storeFailureLogged) {
                storeFailureLogged = true;
                LOG.warn("Program cache in {} could not store {} ({}); programs are rebuilt in each process until it can", dir, key,
                        e.toString());
            }
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the directory refused the write; nothing of ours is left to remove
                }
            }
        }
    }

    /** Whether a failed store was logged: one warning per cache, not one per program. */
    private volatile boolean storeFailureLogged;

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
