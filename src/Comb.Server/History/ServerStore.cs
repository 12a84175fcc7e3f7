using Comb.Storage;

namespace Comb.Server.History;

/// <summary>The server's scan store (<see cref="ServerLocations.Store"/>), opened once through the host's <see cref="ScanStores"/>.</summary>
public sealed class ServerStore(ScanStores stores, ServerLocations locations)
{
    public Task<ScanStore> OpenAsync(CancellationToken cancellationToken) => stores.GetAsync(locations.Store, cancellationToken);
}
