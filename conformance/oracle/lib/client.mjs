// A raw HTTP/1.1 client over TCP: sends the target bytes exactly as given (no re-encoding),
// keep-alive, one request in flight per connection. Parses status, headers, and a body framed by
// Content-Length, chunked encoding, or connection close.
import net from 'node:net';

export class RawConnection {
  constructor(host, port, headerBlock) {
    this.host = host;
    this.port = port;
    this.headerBlock = headerBlock; // Buffer: "Host: ...\r\nX-User-Id: ...\r\n"
    this.sock = null;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const s = net.connect(this.port, this.host);
      s.setNoDelay(true);
      s.once('connect', () => resolve());
      s.once('error', reject);
      this.sock = s;
      this.buf = Buffer.alloc(0);
      this.closed = false;
      this.waiter = null;
      s.on('data', (d) => {
        if (this.sock !== s) return;
        this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
        this.tryParse();
      });
      s.on('close', () => {
        if (this.sock !== s) return;
        this.closed = true;
        this.tryParse();
      });
      s.on('error', () => {});
    });
  }

  async request(target) {
    if (!this.sock || this.closed || this.sock.destroyed) await this.connect();
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.sock.write(Buffer.concat([Buffer.from('GET '), target, Buffer.from(' HTTP/1.1\r\n'), this.headerBlock, Buffer.from('\r\n')]));
    });
  }

  tryParse() {
    if (!this.waiter) return;
    const buf = this.buf;
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.closed) return this.finish({ status: 0, headers: {}, body: buf, closed: true }, buf.length);
      return;
    }
    const head = buf.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(head[0].split(' ')[1]);
    const headers = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      const k = line.slice(0, i).trim().toLowerCase();
      const v = line.slice(i + 1).trim();
      headers[k] = headers[k] === undefined ? v : headers[k] + ', ' + v;
    }
    const start = end + 4;
    if (headers['transfer-encoding'] && /chunked/i.test(headers['transfer-encoding'])) {
      let pos = start;
      const chunks = [];
      for (;;) {
        const le = buf.indexOf('\r\n', pos);
        if (le < 0) return this.closed ? this.finish({ status, headers, body: Buffer.concat(chunks), truncated: true }, buf.length) : undefined;
        const size = parseInt(buf.subarray(pos, le).toString('latin1'), 16);
        if (buf.length < le + 2 + size + 2) return this.closed ? this.finish({ status, headers, body: Buffer.concat(chunks), truncated: true }, buf.length) : undefined;
        if (size === 0) {
          // no trailers expected
          return this.finish({ status, headers, body: Buffer.concat(chunks) }, le + 4);
        }
        chunks.push(buf.subarray(le + 2, le + 2 + size));
        pos = le + 2 + size + 2;
      }
    }
    if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (buf.length - start < n) return this.closed ? this.finish({ status, headers, body: buf.subarray(start), truncated: true }, buf.length) : undefined;
      return this.finish({ status, headers, body: Buffer.from(buf.subarray(start, start + n)) }, start + n);
    }
    if ([204, 304].includes(status) || (status >= 100 && status < 200)) return this.finish({ status, headers, body: Buffer.alloc(0) }, start);
    // no framing: body runs to close
    if (!this.closed) return;
    return this.finish({ status, headers, body: Buffer.from(buf.subarray(start)) }, buf.length);
  }

  finish(res, consumed) {
    this.buf = this.buf.subarray(consumed);
    const w = this.waiter;
    this.waiter = null;
    if (res.headers && /close/i.test(res.headers.connection || '')) {
      this.sock.destroy();
      this.closed = true;
    }
    if (this.closed) this.sock = null;
    w(res);
  }

  close() {
    if (this.sock) this.sock.destroy();
  }
}
