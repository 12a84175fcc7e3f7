using Xunit;

namespace Comb.Testing.Services;

/// <summary>
/// A real PostgreSQL server for tests: initdb into a temp dir, started with pg_ctl on 127.0.0.1 and a free port,
/// password authentication, stopped and removed on dispose. Tests skip with the reason when it is not installed.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string User = "comb";
    private const string Password = "comb-test-pw";
    private string? _dir;
    private string? _bin;
    private string? _skip;

    public int Port { get; private set; }

    /// <summary>postgres:// URL of a new, empty database.</summary>
    public string NewDatabaseUrl()
    {
        Assert.SkipWhen(_skip is not null, _skip ?? "");
        var name = "t" + Guid.NewGuid().ToString("N")[..12];
        var (code, output) = ProcessRunner.Run(Path.Combine(_bin!, "psql"),
            ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", User, "-d", "postgres", "-c", $"CREATE DATABASE {name}"]);
        Assert.True(code == 0, output);
        return $"postgres://{User}:{Password}@127.0.0.1:{Port}/{name}";
    }

    public ValueTask InitializeAsync()
    {
        _bin = Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb"))) : null;
        if (_bin is null)
        {
            _skip = "PostgreSQL server binaries not installed (scripts/setup.sh installs postgresql)";
            return ValueTask.CompletedTask;
        }

        _dir = Path.Combine(Path.GetTempPath(), "comb-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        var pwfile = Path.Combine(_dir, "pw");
        File.WriteAllText(pwfile, Password);
        var owner = ProcessRunner.IsRoot ? "postgres" : null;
        if (owner is not null)
        {
            ProcessRunner.Run("chown", ["-R", "postgres:postgres", _dir]);
        }

        var data = Path.Combine(_dir, "data");
        var (code, output) = ProcessRunner.Run(Path.Combine(_bin, "initdb"), ["-A", "scram-sha-256", "-U", User, "--pwfile", pwfile, "-D", data, "--no-sync"], owner);
        if (code != 0)
        {
            _skip = "initdb failed: " + output;
            return ValueTask.CompletedTask;
        }

        Port = ProcessRunner.FreePort();
        (code, output) = Start();
        if (code != 0)
        {
            _skip = "PostgreSQL did not start: " + output;
        }

        Environment.SetEnvironmentVariable("PGPASSWORD", Password);
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops the server abruptly (as a crash would) and starts it again on the same port and data.</summary>
    public void Restart()
    {
        Assert.SkipWhen(_skip is not null, _skip ?? "");
        var (code, output) = ProcessRunner.Run(Path.Combine(_bin!, "pg_ctl"), ["-D", Path.Combine(_dir!, "data"), "-m", "immediate", "stop"], ProcessRunner.IsRoot ? "postgres" : null);
        Assert.True(code == 0, output);
        (code, output) = Start();
        Assert.True(code == 0, output);
    }

    private (int Code, string Output) Start() =>
        ProcessRunner.Run(Path.Combine(_bin!, "pg_ctl"),
            ["-D", Path.Combine(_dir!, "data"), "-l", Path.Combine(_dir!, "log"), "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {_dir} -c fsync=off", "-w", "start"],
            ProcessRunner.IsRoot ? "postgres" : null);

    public ValueTask DisposeAsync()
    {
        if (_dir is not null && _bin is not null && _skip is null)
        {
            ProcessRunner.Run(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_dir, "data"), "-m", "immediate", "stop"], ProcessRunner.IsRoot ? "postgres" : null);
        }

        if (_dir is not null && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
