package org.caregraph.security.transport;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;

/**
 * A TLS ClientHello written by hand, so a test can offer a protocol version the JDK's own client refuses to offer
 * (TLS 1.1) and see whether the server answers with a ServerHello or refuses.
 */
final class TlsProbe {
    static final int TLS_1_1 = 0x0302;
    static final int TLS_1_2 = 0x0303;

    private TlsProbe() {
    }

    /** The version of the server's ServerHello, or -1 when it refused (an alert, or the connection closed). */
    static int serverHelloVersion(int port, int clientVersion) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(clientHello(clientVersion));
            s.getOutputStream().flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] head = new byte[11]; // record header (5), handshake header (4), server_version (2)
            try {
                in.readFully(head, 0, 5);
                if (head[0] != 0x16) return -1; // 0x15: alert
                in.readFully(head, 5, 6);
            } catch (EOFException | java.net.SocketException closed) {
                return -1;
            }
            if (head[5] != 0x02) return -1; // not a ServerHello
            return ((head[9] & 0xff) << 8) | (head[10] & 0xff);
        }
    }

    private static byte[] clientHello(int version) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        u16(body, version);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        body.writeBytes(random);
        body.write(0); // no session id
        // ECDHE-RSA with AES-GCM (TLS 1.2) and AES-CBC (TLS 1.0/1.1), and the renegotiation SCSV
        int[] suites = {0xC02F, 0xC030, 0xC013, 0xC014, 0x00FF};
        u16(body, suites.length * 2);
        for (int suite : suites) u16(body, suite);
        body.write(1);
        body.write(0); // null compression only
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        extension(ext, 0x000a, new byte[] {0, 4, 0, 0x17, 0, 0x1d}); // supported groups: secp256r1, x25519
        extension(ext, 0x000b, new byte[] {1, 0}); // EC point formats: uncompressed
        extension(ext, 0x000d, new byte[] {0, 6, 4, 1, 8, 4, 4, 3}); // signature algorithms (TLS 1.2)
        extension(ext, 0x0017, new byte[0]); // extended master secret
        u16(body, ext.size());
        body.writeBytes(ext.toByteArray());

        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(0x16);
        u16(record, 0x0301);
        u16(record, body.size() + 4);
        record.write(0x01); // ClientHello
        record.write(0);
        u16(record, body.size());
        record.writeBytes(body.toByteArray());
        return record.toByteArray();
    }

    private static void extension(ByteArrayOutputStream out, int type, byte[] data) {
        u16(out, type);
        u16(out, data.length);
        out.writeBytes(data);
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write((v >> 8) & 0xff);
        out.write(v & 0xff);
    }
}
