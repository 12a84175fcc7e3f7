using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Contracts;

namespace Comb.Cli.Commands;

/// <summary>
/// comb registry add|list|scan|remove: a Comb server's stored registries, through its API (--server URL --token T, or
/// $COMB_SERVER and $COMB_TOKEN, as for a client-mode scan). Secrets are read from standard input, never from a flag.
/// </summary>
internal static class RegistryCommands
{
    /// <summary>Where --password-stdin and --token-stdin read (standard input unless a host says otherwise).</summary>
    public static Func<TextReader> Input { get; set; } = () => Console.In;

    public static Command Build()
    {
        var command = new Command("registry", "Registries a Comb server keeps checked: add, list, scan, remove");
        command.Subcommands.Add(BuildAdd());
        command.Subcommands.Add(BuildList());
        command.Subcommands.Add(BuildScan());
        command.Subcommands.Add(BuildRemove());
        return command;
    }

    private static Command BuildAdd()
    {
        var name = new Argument<string>("NAME") { Description = "A name for the registry (lower-case letters, digits, '.', '_', '-')" };
        var url = new Argument<string>("URL") { Description = "The registry's root: http(s)://host[:port]" };
        var insecure = new Option<bool>("--insecure-registry") { Description = "Accept a self-signed certificate" };
        var username = new Option<string?>("--username") { Description = "Sign in with this user; the password is read from standard input (--password-stdin)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input" };
        var tokenStdin = new Option<bool>("--token-stdin") { Description = "Read a bearer token from standard input" };
        var helper = new Option<string?>("--credential-helper") { Description = "Sign in through docker-credential-NAME on the server" };
        var repositories = new Option<string[]>("--repository") { Description = "Scan repositories matching this glob (repeatable; * within a segment, ** across)" };
        var tags = new Option<string[]>("--tag") { Description = "Scan tags matching this glob (repeatable)" };
        var lastTags = new Option<int?>("--last-tags") { Description = "Scan only the newest N tags of each repository" };
        var skipTags = new Option<string[]>("--skip-tag") { Description = "Never scan tags matching this glob (repeatable)" };
        var schedule = new Option<string?>("--schedule") { Description = "Scan everything on this cron schedule (UTC), e.g. \"0 3 * * *\"" };
        var (server, token) = ServerOptions();
        var command = new Command("add", "Add a registry to a Comb server")
        {
            name, url, insecure, username, passwordStdin, tokenStdin, helper, repositories, tags, lastTags, skipTags, schedule, server, token,
        };
        command.SetAction(async (parse, ct) =>
        {
            var user = parse.GetValue(username);
            var readPassword = parse.GetValue(passwordStdin);
            var readToken = parse.GetValue(tokenStdin);
            var helperName = parse.GetValue(helper);
            if (new[] { user is not null || readPassword, readToken, helperName is not null }.Count(b => b) > 1)
            {
                throw new CombInputException("give one sign-in: --username with --password-stdin, --token-stdin, or --credential-helper");
            }

            if ((user is null) != !readPassword)
            {
                throw new CombInputException("--username and --password-stdin go together (the password is never a flag: it would show in the process list)");
            }

            var body = new Dictionary<string, object?>
            {
                ["name"] = parse.GetValue(name),
                ["url"] = parse.GetValue(url),
                ["insecure"] = parse.GetValue(insecure),
            };
            if (user is not null)
            {
                body["username"] = user;
                body["password"] = await ReadSecretAsync("--password-stdin", ct);
            }

            if (readToken)
            {
                body["token"] = await ReadSecretAsync("--token-stdin", ct);
            }

            if (helperName is not null)
            {
                body["credentialHelper"] = helperName;
            }

            AddList(body, "repositories", parse.GetValue(repositories));
            AddList(body, "tags", parse.GetValue(tags));
            AddList(body, "skipTags", parse.GetValue(skipTags));
            if (parse.GetValue(lastTags) is { } last)
            {
                body["lastTags"] = last;
            }

            if (parse.GetValue(schedule) is { } cron)
            {
                body["schedule"] = cron;
            }

            using var http = Client(parse.GetValue(server), parse.GetValue(token));
            using var response = await http.PostAsJsonAsync("api/v1/registries", body, ct);
            var view = await SuccessAsync(response, $"adding registry {parse.GetValue(name)}", ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"added registry {Text(view, "name")} ({Text(view, "url")}, sign-in {Text(view, "auth")}){(Text(view, "nextRun") is { } next ? $", next scheduled scan {next}" : "")}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildList()
    {
        var json = new Option<bool>("--json") { Description = "Print the server's JSON" };
        var (server, token) = ServerOptions();
        var command = new Command("list", "List a Comb server's registries with their scan status") { json, server, token };
        command.SetAction(async (parse, ct) =>
        {
            using var http = Client(parse.GetValue(server), parse.GetValue(token));
            using var response = await http.GetAsync("api/v1/registries", ct);
            var list = await SuccessAsync(response, "listing registries", ct);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(list.GetRawText());
                return ExitCodes.Success;
            }

            var rows = new List<string[]> { new[] { "NAME", "URL", "AUTH", "IMAGES", "SCANNED", "FAILED", "PENDING", "LAST SCAN", "NEXT RUN", "LAST ERROR" } };
            foreach (var r in list.EnumerateArray())
            {
                var error = r.GetProperty("lastError") is { ValueKind: JsonValueKind.Object } e ? $"{Text(e, "kind")}: {Text(e, "message")}" : "-";
                rows.Add([Text(r, "name")!, Text(r, "url")!, Text(r, "auth")!, Number(r, "images"), Number(r, "scanned"), Number(r, "failed"), Number(r, "pending"),
                    Text(r, "lastScan") ?? "-", Text(r, "nextRun") ?? "-", error]);
            }

            var widths = Enumerable.Range(0, rows[0].Length - 1).Select(i => rows.Max(row => row[i].Length)).ToArray();
            foreach (var row in rows)
            {
                await output.WriteLineAsync(string.Join("  ", row.Select((cell, i) => i < widths.Length ? cell.PadRight(widths[i]) : cell)).TrimEnd());
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildScan()
    {
        var name = new Argument<string>("NAME") { Description = "The registry's name" };
        var repositories = new Option<string[]>("--repository") { Description = "Scan only this repository or glob (repeatable); default: every repository the filters admit" };
        var (server, token) = ServerOptions();
        var command = new Command("scan", "Have a Comb server scan a registry: what changed is queued, the rest is skipped or re-matched") { name, repositories, server, token };
        command.SetAction(async (parse, ct) =>
        {
            var registry = parse.GetValue(name)!;
            var selected = parse.GetValue(repositories) ?? [];
            using var http = Client(parse.GetValue(server), parse.GetValue(token));
            using var response = selected.Length == 0
                ? await http.PostAsync($"api/v1/registries/{Uri.EscapeDataString(registry)}/scan-all", null, ct)
                : await http.PostAsJsonAsync($"api/v1/registries/{Uri.EscapeDataString(registry)}/scan", new { repositories = selected }, ct);
            var summary = await SuccessAsync(response, $"scanning registry {registry}", ct);
            var output = parse.InvocationConfiguration.Output;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{registry}: {Number(summary, "repositories")} repositories, {Number(summary, "tags")} tags: {Number(summary, "queued")} queued, {Number(summary, "alreadyQueued")} already queued, {Number(summary, "unchanged")} unchanged, {Number(summary, "rematched")} re-matched"));
            var errors = summary.GetProperty("errors");
            foreach (var error in errors.EnumerateArray())
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {Text(error, "repository") ?? registry}: {Text(error, "kind")}: {Text(error, "message")}");
            }

            return errors.GetArrayLength() == 0 ? ExitCodes.Success : ExitCodes.InputError;
        });
        return command;
    }

    private static Command BuildRemove()
    {
        var name = new Argument<string>("NAME") { Description = "The registry's name" };
        var (server, token) = ServerOptions();
        var command = new Command("remove", "Remove a registry from a Comb server (its stored scans stay)") { name, server, token };
        command.SetAction(async (parse, ct) =>
        {
            using var http = Client(parse.GetValue(server), parse.GetValue(token));
            using var response = await http.DeleteAsync($"api/v1/registries/{Uri.EscapeDataString(parse.GetValue(name)!)}", ct);
            if (response.StatusCode != HttpStatusCode.NoContent)
            {
                await SuccessAsync(response, $"removing registry {parse.GetValue(name)}", ct);
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync($"removed registry {parse.GetValue(name)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static (Option<string?> Server, Option<string?> Token) ServerOptions() =>
        (new Option<string?>("--server") { Description = "The Comb server's URL (or $COMB_SERVER)" },
         new Option<string?>("--token") { Description = "API token (or $COMB_TOKEN): admin to add or remove, scanner to scan, any to list" });

    private static HttpClient Client(string? server, string? token)
    {
        var url = server ?? Environment.GetEnvironmentVariable("COMB_SERVER")
            ?? throw new CombInputException("registries live on a Comb server: give --server URL (or $COMB_SERVER)");
        var secret = token ?? Environment.GetEnvironmentVariable("COMB_TOKEN")
            ?? throw new CombInputException("--server needs an API token: --token T or $COMB_TOKEN");
        var http = new HttpClient { BaseAddress = RemoteScan.ParseServer(url), Timeout = TimeSpan.FromMinutes(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return http;
    }

    /// <summary>The first line of standard input, without its line end; an empty secret is refused.</summary>
    private static async Task<string> ReadSecretAsync(string flag, CancellationToken cancellationToken)
    {
        var line = await Input().ReadLineAsync(cancellationToken);
        return string.IsNullOrEmpty(line) ? throw new CombInputException($"{flag}: nothing was read from standard input") : line;
    }

    private static void AddList(Dictionary<string, object?> body, string key, string[]? values)
    {
        if (values is { Length: > 0 })
        {
            body[key] = values;
        }
    }

    private static async Task<JsonElement> SuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        var detail = text;
        try
        {
            if (JsonDocument.Parse(text).RootElement.TryGetProperty("detail", out var d) && d.GetString() is { } message)
            {
                detail = message;
            }
        }
        catch (JsonException)
        {
            // not a problem document: the raw text says what there is
        }

        var kind = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? CombErrorKind.Unauthorized
            : (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests ? CombErrorKind.UpstreamFailure
            : CombErrorKind.BadInput;
        throw new CombInputException($"{what}: server answered {(int)response.StatusCode} {response.ReasonPhrase}{(detail.Length > 0 ? ": " + detail : "")}", kind);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32().ToString(CultureInfo.InvariantCulture) : "0";
}
