using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Comb.Testing.Images;

namespace Comb.Cli.Tests;

/// <summary>Ctrl-C (SIGINT) and SIGTERM sent to a real comb process: the scan is cancelled and releases its temporary files.</summary>
public sealed class InterruptTests : IDisposable
{
    // Over the walker's in-memory limit (16 MiB), so each of these files is spooled to the cache's tmp/.
    private const int LargeFile = (17 * 1024 * 1024) + 1;

    private readonly string _root = Directory.CreateTempSubdirectory("comb-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task A_signal_cancels_a_scan_in_flight_and_leaves_nothing_in_tmp(string signal, int expected)
    {
        // Given an image of large executables (the malware scanner reads them; each is spooled to tmp/ first)
        var image = LargeFilesImage(Path.Combine(_root, "img"), layers: 3, filesPerLayer: 8);
        var cache = Path.Combine(_root, "cache");
        var tmp = Path.Combine(cache, "tmp");
        var report = Path.Combine(_root, "report.json");

        // When a comb process scanning it is sent the signal once it has opened the image (its layers, hundreds of
        // MiB, are then being read and spooled)
        using var process = Start("scan", "oci:" + image, "--scanners", "malware", "--no-store", "--format", "json", "--output", report, "--cache-dir", cache);
        var progress = new StringBuilder();
        while (await process.StandardError.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
        {
            progress.AppendLine(line);
            if (line.EndsWith(": 3 layers", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.Equal(0, Kill(process.Id, signal));
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        // Then it exits with the signal's code, writes no report and leaves tmp/ empty
        var err = progress + stderr;
        Assert.True(process.ExitCode == expected, $"exit code {process.ExitCode}: {err}");
        Assert.Contains("cancelled", err, StringComparison.Ordinal);
        Assert.False(File.Exists(report));
        Assert.Empty(Directory.Exists(tmp) ? Directory.EnumerateFileSystemEntries(tmp) : []);
    }

    /// <summary>
    /// An OCI layout whose layers hold large executables of one repeated byte, streamed to disk (a few hundred MiB
    /// unpacked, a few MiB packed) so the test never holds them in memory.
    /// </summary>
    private static string LargeFilesImage(string dir, int layers, int filesPerLayer)
    {
        var blobs = Directory.CreateDirectory(Path.Combine(dir, "blobs", "sha256")).FullName;
        var diffIds = new JsonArray();
        var descriptors = new JsonArray();
        for (var layer = 0; layer < layers; layer++)
        {
            var gz = Path.Combine(dir, "layer.tmp");
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                using (var file = File.Create(gz))
                using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
                using (var hashing = new CryptoStream(gzip, new HashTransform(hash), CryptoStreamMode.Write))
                using (var tar = new TarWriter(hashing, TarEntryFormat.Pax))
                {
                    for (var n = 0; n < filesPerLayer; n++)
                    {
                        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"opt/tool{layer}-{n}")
                        {
                            Mode = (UnixFileMode)0b111_101_101,
                            DataStream = new RepeatedByteStream((byte)((layer * filesPerLayer) + n + 1), LargeFile),
                        });
                    }
                }

                diffIds.Add("sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()));
            }

            var digest = Blob(blobs, File.ReadAllBytes(gz));
            File.Delete(gz);
            descriptors.Add(new JsonObject { ["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip", ["digest"] = digest, ["size"] = new FileInfo(Path.Combine(blobs, digest[7..])).Length });
        }

        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject(),
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
        }.ToJsonString());
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = Blob(blobs, config), ["size"] = config.Length },
            ["layers"] = descriptors,
        }.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        File.WriteAllText(Path.Combine(dir, "index.json"),
            $"{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{Blob(blobs, manifest)}\",\"size\":{manifest.Length}}}]}}");
        return dir;
    }

    private static string Blob(string blobs, byte[] content)
    {
        var digest = TestImage.Digest(content);
        File.WriteAllBytes(Path.Combine(blobs, digest[7..]), content);
        return digest;
    }

    /// <summary>
    /// The built comb program as its own process. SIGINT is reset to its default first, as for a terminal's foreground
    /// job: a process started with SIGINT ignored (a background job of a non-interactive shell) rightly keeps ignoring it.
    /// </summary>
    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = false, RedirectStandardError = true };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "comb.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static int Kill(int pid, string signal) =>
        SendSignal(pid, signal == "INT" ? 2 : 15) == 0 ? 0 : Marshal.GetLastPInvokeError();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>Passes what is written through to a running hash (the layer's diffID, taken over the uncompressed tar).</summary>
    private sealed class HashTransform(IncrementalHash hash) : ICryptoTransform
    {
        public bool CanReuseTransform => true;

        public bool CanTransformMultipleBlocks => true;

        public int InputBlockSize => 1;

        public int OutputBlockSize => 1;

        public int TransformBlock(byte[] inputBuffer, int inputOffset, int inputCount, byte[] outputBuffer, int outputOffset)
        {
            hash.AppendData(inputBuffer, inputOffset, inputCount);
            Buffer.BlockCopy(inputBuffer, inputOffset, outputBuffer, outputOffset, inputCount);
            return inputCount;
        }

        public byte[] TransformFinalBlock(byte[] inputBuffer, int inputOffset, int inputCount)
        {
            hash.AppendData(inputBuffer, inputOffset, inputCount);
            return inputBuffer.AsSpan(inputOffset, inputCount).ToArray();
        }

        public void Dispose()
        {
        }
    }

    /// <summary>A read-only stream of one byte repeated (seekable, so the tar writer knows its length up front).</summary>
    private sealed class RepeatedByteStream(byte value, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => _position = value; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            buffer.AsSpan(offset, n).Fill(value);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
