// SPDX-License-Identifier: Apache-2.0
/*
 * A consumer of BPF ring buffers of its own, instead of libbpf's ring_buffer: libbpf
 * advances the kernel's consumer position as soon as a record has been handed to its
 * callback, so a record copied into the JVM but not yet at the sinks would be gone from
 * the ring, and a killed JVM would lose it. Here the read position (what has been
 * copied) is kept apart from the committed one (what the kernel may overwrite); pinned
 * mode commits only when Java says a batch reached the sinks (pins_jni.c's commit).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "rd_probe.h"

/* Maps @fd, a BPF_MAP_TYPE_RINGBUF, as the kernel's ABI lays it out (kernel/bpf/ringbuf.c). */
int ring_open(struct rd_ring *r, int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *m;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	r->mask = info.max_entries - 1;
	r->cons_len = page;
	m = mmap(NULL, r->cons_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	r->consumer = m;
	/* The producer page, then the data twice: the kernel refuses write access here. */
	r->prod_len = page + 2 * (size_t)info.max_entries;
	m = mmap(NULL, r->prod_len, PROT_READ, MAP_SHARED, fd, page);
	if (m == MAP_FAILED) {
		r->prod_len = 0;
		return -errno;
	}
	r->producer = m;
	r->data = (const unsigned char *)m + page;
	/* Whatever was committed before is gone; what lies after it is read again. */
	r->read_pos = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
	return 0;
}

/* Appends one record to the batch (u32 length, u32 reserved, payload padded to 8). */
static void batch_add(struct rd_probe *p, const void *data, __u32 size)
{
	__u32 hdr[2] = { size, 0 };
	size_t padded = (size + 7u) & ~(size_t)7u;

	memcpy(p->batch + p->batch_used, hdr, sizeof(hdr));
	memcpy(p->batch + p->batch_used + RD_RECORD_HDR, data, size);
	p->batch_used += RD_RECORD_HDR + padded;
	p->batch_records++;
}

/* Lets the kernel reuse everything before @pos. */
void ring_commit(struct rd_ring *r, __u64 pos)
{
	__atomic_store_n(r->consumer, pos, __ATOMIC_RELEASE);
}

/*
 * Copies the records after the read position into the batch, until none is ready or
 * the next might not fit. Returns the number copied, or RD_BATCH_FULL when it stopped
 * for room. A record whose header still has the busy bit is being written: reading
 * stops there (records are published in order), and r->busy says so. Discarded
 * records are stepped over. Unpinned, what was copied is committed at once, as
 * libbpf did; pinned, the consumer position moves only in commit.
 */
int ring_consume(struct rd_probe *p, struct rd_ring *r)
{
	int n = 0, full = 0;
	__u64 prod;

	r->busy = 0;
	do {
		prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
		while (r->read_pos < prod && !full) {
			const __u32 *hdr = (const __u32 *)(r->data + (r->read_pos & r->mask));
			__u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			__u32 size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			__u64 next;

			if (len & BPF_RINGBUF_BUSY_BIT) {
				r->busy = 1;
				goto out;
			}
			next = r->read_pos + ((size + BPF_RINGBUF_HDR_SZ + 7u) & ~7u);
			/* The programs never submit more than RD_EVENT_MAX_SIZE; a larger record is skipped. */
			if (!(len & BPF_RINGBUF_DISCARD_BIT) && size <= RD_EVENT_MAX_SIZE) {
				batch_add(p, (const unsigned char *)hdr + BPF_RINGBUF_HDR_SZ, size);
				n++;
			}
			__atomic_store_n(&r->read_pos, next, __ATOMIC_RELAXED);
			full = p->batch_cap - p->batch_used < RD_RECORD_MAX;
		}
	} while (!full && r->read_pos < __atomic_load_n(r->producer, __ATOMIC_ACQUIRE));
out:
	if (!p->pinned)
		ring_commit(r, r->read_pos);
	return full ? RD_BATCH_FULL : n;
}

/*
 * Unmaps a ring. It stays marked ended throughout: a ring handed over is dropped by
 * another thread while the reader may look at the flag (and then skips it).
 */
void ring_close(struct rd_ring *r)
{
	r->ended = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (r->consumer)
		munmap(r->consumer, r->cons_len);
	r->consumer = NULL;
	if (r->producer)
		munmap((void *)r->producer, r->prod_len);
	r->producer = NULL;
	if (r->fd > 0)
		close(r->fd);
	r->fd = -1;
}
