using System.Diagnostics;
using System.Net.Http;
using System.Text;
using Comb.Image.Registry;

namespace Comb.Testing.Registry;

/// <summary>How the test registry authenticates and serves.</summary>
public enum RegistryMode
{
    /// <summary>Plain HTTP, anonymous push and pull.</summary>
    Anonymous,

    /// <summary>Plain HTTP, htpasswd (bcrypt) Basic auth.</summary>
    Basic,

    /// <summary>HTTPS with a self-signed certificate for 127.0.0.1, anonymous.</summary>
    Tls,

    /// <summary>Plain HTTP, Bearer tokens from a token realm on loopback (<see cref="TokenServer"/>).</summary>
    Token,
}

/// <summary>
/// A real registry (Debian's <c>docker-registry</c>, distribution 2.8) on 127.0.0.1 with a free port and its own
/// storage directory, started per test class and killed on dispose.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    public const string Username = "comb-user";
    public const string Password = "pa:ss w0rd"; // a ':' and a space, to prove they survive Basic and config.json encoding

    private readonly Process _process;
    private readonly StringBuilder _log;
    private readonly TokenServer? _tokenServer;

    private RegistryServer(RegistryMode mode, int port, string root, Process process, StringBuilder log, TokenServer? tokenServer)
    {
        Mode = mode;
        Port = port;
        RootDir = root;
        _process = process;
        _log = log;
        _tokenServer = tokenServer;
    }

    public RegistryMode Mode { get; }

    public int Port { get; }

    /// <summary>host:port as used in references, e.g. 127.0.0.1:41234.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>Temp directory with the config, certificates and the registry's storage.</summary>
    public string RootDir { get; }

    public string StorageDir => Path.Combine(RootDir, "storage");

    public TokenServer? Tokens => _tokenServer;

    public bool NeedsCredentials => Mode is RegistryMode.Basic or RegistryMode.Token;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<RegistryServer> StartAsync(RegistryMode mode, CancellationToken cancellationToken = default)
    {
        var binary = FindOnPath("docker-registry")
            ?? throw new InvalidOperationException("docker-registry is not installed; run scripts/setup.sh (apt package docker-registry)");
        var root = Directory.CreateTempSubdirectory("comb-registry-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "storage"));
        TokenServer? tokens = null;
        var auth = string.Empty;
        var tls = string.Empty;
        switch (mode)
        {
            case RegistryMode.Basic:
                var htpasswd = Path.Combine(root, "htpasswd");
                await File.WriteAllTextAsync(htpasswd, await HtpasswdLineAsync(cancellationToken), cancellationToken);
                auth = $"auth:\n  htpasswd:\n    realm: comb-basic-realm\n    path: {htpasswd}\n";
                break;
            case RegistryMode.Tls:
                var (certificate, key, certPath, keyPath) = TestCertificates.CreateSelfSigned(root, "registry-tls");
                certificate.Dispose();
                key.Dispose();
                tls = $"  tls:\n    certificate: {certPath}\n    key: {keyPath}\n";
                break;
            case RegistryMode.Token:
                tokens = TokenServer.Start(root, Username, Password);
                auth = $"auth:\n  token:\n    realm: {tokens.Realm}\n    service: {TokenServer.Service}\n    issuer: {TokenServer.Issuer}\n    rootcertbundle: {tokens.RootCertBundlePath}\n";
                break;
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackHttpServer.FreePort();
            var configPath = Path.Combine(root, "config.yml");
            var config = "version: 0.1\n"
                + "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
                + $"storage:\n  filesystem:\n    rootdirectory: {Path.Combine(root, "storage")}\n  delete:\n    enabled: true\n"
                + $"http:\n  addr: 127.0.0.1:{port}\n  secret: comb-test-secret\n{tls}"
                + auth;
            await File.WriteAllTextAsync(configPath, config, cancellationToken);

            var log = new StringBuilder();
            var process = StartProcess(binary, configPath, log);
            var server = new RegistryServer(mode, port, root, process, log, tokens);
            if (await server.WaitReadyAsync(cancellationToken))
            {
                return server;
            }

            var output = server.Log;
            await server.StopProcessAsync();
            if (attempt >= 3)
            {
                if (tokens is not null)
                {
                    await tokens.DisposeAsync();
                }

                throw new InvalidOperationException($"docker-registry did not become ready on port {port}:\n{output}");
            }
        }
    }

    /// <summary>A client for this registry (insecure transport: plain HTTP or the self-signed certificate), with its credentials.</summary>
    public RegistryClient CreateClient(bool withCredentials = true, string? password = null) => new(Host, new RegistryClientOptions
    {
        Insecure = true,
        Credentials = withCredentials && NeedsCredentials ? Credentials(password) : null,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        MaxAttempts = 3,
    });

    public static RegistryCredentials Credentials(string? password = null) =>
        new() { Username = Username, Password = password ?? Password, Source = "the test" };

    /// <summary>Where the filesystem storage driver keeps a blob's bytes (to corrupt it in tests).</summary>
    public string BlobDataPath(string digest)
    {
        var hex = digest["sha256:".Length..];
        return Path.Combine(StorageDir, "docker", "registry", "v2", "blobs", "sha256", hex[..2], hex, "data");
    }

    private static async Task<string> HtpasswdLineAsync(CancellationToken cancellationToken)
    {
        var binary = FindOnPath("htpasswd") ?? throw new InvalidOperationException("htpasswd is not installed; run scripts/setup.sh (apt package apache2-utils)");
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-Bbn", Username, Password })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"htpasswd failed: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
        }

        return output;
    }

    private static Process StartProcess(string binary, string configPath, StringBuilder log)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(configPath);
        var process = new Process { StartInfo = start };
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task<bool> WaitReadyAsync(CancellationToken cancellationToken)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = static (_, _, _, _) => true };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
        var scheme = Mode == RegistryMode.Tls ? "https" : "http";
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"{scheme}://{Host}/v2/"), cancellationToken);
                return true; // 200 or 401: the registry answers.
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(50, cancellationToken);
        }

        return false;
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, name);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private async Task StopProcessAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        if (_tokenServer is not null)
        {
            await _tokenServer.DisposeAsync();
        }

        try
        {
            Directory.Delete(RootDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
