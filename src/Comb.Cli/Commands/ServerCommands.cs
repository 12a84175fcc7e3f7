using System.CommandLine;
using Comb.Contracts;
using Comb.Server;
using Comb.Server.Auth;
using Comb.Server.Data;
using Microsoft.Extensions.Hosting;

namespace Comb.Cli.Commands;

/// <summary>comb server (the API and in-process workers) and comb token create.</summary>
internal static class ServerCommands
{
    public static Command BuildServer()
    {
        var listen = new Option<string>("--listen") { Description = "Address to listen on", DefaultValueFactory = _ => new ServerSettings().Listen };
        var store = new Option<string?>("--store") { Description = "Scan store and queue: SQLite path or postgres:// URL (default: under the cache directory)" };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Cache directory (default: $COMB_CACHE_DIR or ~/.cache/comb)" };
        var workers = new Option<int>("--workers") { Description = "Scan workers in this process (0: API only)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cacheBackend = CacheBackendOption();
        var command = new Command("server", "Run the Comb server: REST API under /api/v1, scan queue and workers") { listen, store, cacheDir, workers, cacheBackend };
        var admission = AdmissionCommands.AddServerOptions(command);
        command.SetAction(async (parse, ct) =>
        {
            var args = new List<string> { "--listen", parse.GetValue(listen)!, "--workers", parse.GetValue(workers).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            args.AddRange(admission(parse));
            if (parse.GetValue(store) is { } s)
            {
                args.AddRange(["--store", s]);
            }

            if (parse.GetValue(cacheDir) is { } c)
            {
                args.AddRange(["--cache-dir", c]);
            }

            AddCacheBackend(args, parse.GetValue(cacheBackend));
            await using var app = CombServer.Build([.. args]);
            await app.StartAsync(ct);
            await app.WaitForShutdownAsync(ct);
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command BuildWorker()
    {
        var store = new Option<string?>("--store") { Description = "The server's store and queue: postgres:// URL (or SQLite path on the server's machine)" };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Layer cache and advisory database directory (default: $COMB_CACHE_DIR or ~/.cache/comb)" };
        var workers = new Option<int>("--workers") { Description = "Scans run at once", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cacheBackend = CacheBackendOption();
        var command = new Command("worker", "Run queued scans from a server's store until stopped (SIGTERM/SIGINT: running scans finish or go back)") { store, cacheDir, workers, cacheBackend };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(workers) < 1)
            {
                throw new CombInputException("--workers must be at least 1");
            }

            var args = new List<string> { "--workers", parse.GetValue(workers).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (parse.GetValue(store) is { } s)
            {
                args.AddRange(["--store", s]);
            }

            if (parse.GetValue(cacheDir) is { } c)
            {
                args.AddRange(["--cache-dir", c]);
            }

            AddCacheBackend(args, parse.GetValue(cacheBackend));
            using var host = CombWorker.Build([.. args]);
            await host.StartAsync(ct);
            await host.WaitForShutdownAsync(ct);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Option<string?> CacheBackendOption() => new("--cache-backend")
    {
        Description = "Layer cache backend: fs (the cache directory, default) or redis://host:port[/db] shared by the server and every worker",
    };

    /// <summary>Checked here so a misspelt backend stops the start with a clear error instead of failing every scan.</summary>
    private static void AddCacheBackend(List<string> args, string? backend)
    {
        if (backend is not null)
        {
            Engine.Cache.LayerCacheBackends.Validate(backend);
            args.AddRange(["--cache-backend", backend]);
        }
    }

    public static Command BuildToken()
    {
        var role = new Option<string>("--role") { Description = "admin|scanner|viewer", Required = true };
        role.AcceptOnlyFromAmong([.. ServerRoles.All]);
        var name = new Option<string?>("--name") { Description = "A name to recognise the token by (default: the role)" };
        var store = new Option<string?>("--store") { Description = "The server's store: SQLite path or postgres:// URL (default: under the cache directory)" };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "The server's cache directory (default: $COMB_CACHE_DIR or ~/.cache/comb)" };
        var create = new Command("create", "Create an API token; the token alone is printed on the last line") { role, name, store, cacheDir };
        create.SetAction(async (parse, ct) =>
        {
            var locations = ServerLocations.Of(parse.GetValue(cacheDir), parse.GetValue(store));
            await using var database = await ServerDatabase.OpenAsync(locations.Store, ct);
            var issued = await new ApiTokens(database, TimeProvider.System).CreateAsync(parse.GetValue(role)!, parse.GetValue(name), "cli", ct);
            await new AuditLog(database, TimeProvider.System).WriteAsync("cli", "token.create", issued.Token.Id, $"role={issued.Token.Role} name={issued.Token.Name}", null, ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"created {issued.Token.Role} token {issued.Token.Id}");
            await parse.InvocationConfiguration.Output.WriteLineAsync(issued.Secret);
            return ExitCodes.Success;
        });
        return new Command("token", "Manage the server's API tokens") { create };
    }
}
