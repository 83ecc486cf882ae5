"""Client factories whose pools make callers WAIT for a connection under load instead of failing."""

from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster


def connect(url: str, max_connections: int = 64, timeout: float = 10.0, **kwargs: Any) -> Redis:
    """Single Redis behind a ``BlockingConnectionPool``: the 65th concurrent command waits up to ``timeout``
    seconds for a free connection rather than raising (the default pool raises at its limit)."""
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=timeout, decode_responses=True, **kwargs
    )
    # from_pool: the client owns the pool, so ``aclose()`` also closes its sockets.
    return Redis.from_pool(pool)


def connect_cluster(url: str, max_connections: int = 64, **kwargs: Any) -> RedisCluster:
    """Redis Cluster client. redis-py's async cluster keeps a plain per-node pool that raises
    ``MaxConnectionsError`` at its limit, so ``InventoryEngine`` bounds its own in-flight commands to
    ``max_connections`` (see ``cluster_pool_limit``) and extra callers wait on that semaphore instead."""
    return RedisCluster.from_url(url, max_connections=max_connections, decode_responses=True, **kwargs)


def cluster_pool_limit(redis: "Redis | RedisCluster") -> int | None:
    """Per-node connection limit of a cluster client, or None for a single-Redis client (its pool waits)."""
    if not isinstance(redis, RedisCluster):
        return None
    limit = redis.nodes_manager.connection_kwargs.get("max_connections")
    return int(limit) if limit else None
