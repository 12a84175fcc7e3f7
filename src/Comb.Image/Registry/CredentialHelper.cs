using System.Diagnostics;
using System.Text.Json;
using Comb.Contracts;

namespace Comb.Image.Registry;

/// <summary>
/// Asks a Docker credential helper (<c>docker-credential-NAME get</c>, server URL on stdin, JSON on stdout) for
/// a registry's credentials. A helper that is not installed or does not know the registry gives null; the
/// secret is never put in a message.
/// </summary>
internal sealed class CredentialHelper(string name, Func<string, string?> environment)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Runs the helper without blocking a thread; a cancelled <paramref name="cancellationToken"/> ends it at once.</summary>
    public async Task<RegistryCredentials?> GetAsync(string serverUrl, CancellationToken cancellationToken)
    {
        var executable = Locate();
        if (executable is null)
        {
            return null;
        }

        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("get");
        using var process = Process.Start(start) ?? throw new CombInputException($"credential helper {executable} could not be started");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        string output;
        try
        {
            await process.StandardInput.WriteAsync(serverUrl.AsMemory(), deadline.Token).ConfigureAwait(false);
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            output = await stdout.ConfigureAwait(false);
            _ = await stderr.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            process.Kill(entireProcessTree: true);

            // The kill is a signal: wait (briefly) until the helper is gone, so no caller sees it still running.
            try
            {
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A helper stuck in the kernel: it is signalled and will end; the caller need not wait for it.
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new CombInputException($"credential helper docker-credential-{name} did not answer within {Timeout.TotalSeconds:0} s", ex, CombErrorKind.UpstreamFailure);
        }

        if (process.ExitCode != 0)
        {
            if (output.Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var firstLine = output.Split('\n', 2)[0].Trim();
            throw new CombInputException($"credential helper docker-credential-{name} failed for {serverUrl} (exit {process.ExitCode}): {firstLine}");
        }

        try
        {
            using var document = JsonDocument.Parse(output);
            var root = document.RootElement;
            var username = root.TryGetProperty("Username", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            var secret = root.TryGetProperty("Secret", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (string.IsNullOrEmpty(secret))
            {
                return null;
            }

            var source = $"credential helper docker-credential-{name}";
            // Username "<token>" marks the secret as an identity (refresh) token rather than a password.
            return username == "<token>"
                ? new RegistryCredentials { IdentityToken = secret, Source = source }
                : new RegistryCredentials { Username = username, Password = secret, Source = source };
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"credential helper docker-credential-{name} printed something that is not JSON", ex);
        }
    }

    private string? Locate()
    {
        if (name.Length == 0 || name.IndexOfAny(['/', '\\']) >= 0)
        {
            return null;
        }

        var file = "docker-credential-" + name + (OperatingSystem.IsWindows() ? ".exe" : string.Empty);
        foreach (var dir in (environment("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
