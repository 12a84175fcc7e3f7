using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Comb.Testing.Services;

/// <summary>
/// A real redis-server for tests, started on 127.0.0.1 and a free port with nothing persisted, stopped on dispose.
/// Tests skip with the reason when redis-server is not installed. Each test takes its own database number.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private static readonly string[] Places = ["/usr/bin", "/usr/sbin", "/usr/local/bin"];
    private Process? _process;
    private string? _dir;
    private string? _skip;
    private int _databases;

    public int Port { get; private set; }

    /// <summary>redis:// URL of a database no other test uses (16 per server).</summary>
    public string NewDatabaseUrl()
    {
        Assert.SkipWhen(_skip is not null, _skip ?? "");
        var database = Interlocked.Increment(ref _databases) - 1;
        Assert.True(database < 16, "more than 16 Redis databases asked of one test server");
        return $"redis://127.0.0.1:{Port}/{database}";
    }

    public async ValueTask InitializeAsync()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(Places)
            .Select(d => Path.Combine(d, "redis-server")).FirstOrDefault(File.Exists);
        if (path is null)
        {
            _skip = "redis-server not installed (scripts/setup.sh installs redis-server)";
            return;
        }

        _dir = Directory.CreateTempSubdirectory("comb-redis-").FullName;
        Port = ProcessRunner.FreePort();
        _process = Process.Start(new ProcessStartInfo(path, ["--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--save", "", "--appendonly", "no", "--dir", _dir, "--databases", "16"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await AnswersPingAsync())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                _skip = $"redis-server did not start on port {Port}";
                return;
            }

            await Task.Delay(50);
        }
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }

        if (_dir is not null && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
