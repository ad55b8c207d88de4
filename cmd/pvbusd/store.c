/*
 * The store thread of a device.
 *
 * A store call can wait: on the KVP pool lock another process holds, on a
 * silent host.  The CUSE threads never make one.  They make every request's
 * checks and memory rounds themselves (pvbusd_xfer_begin reaches no store),
 * answer PVBUSIOC_TYPE at once, and hand each request that is left with a
 * store call to this thread, which makes those calls one at a time, in
 * order, and answers them.  So nothing waits behind a stuck store but the
 * store's own requests, and each of those waits at most the store's bound.
 *
 * A caller that gets a signal (SIGKILL included) while its request is with
 * pvbusd sits in the kernel until pvbusd answers: the kernel sends an
 * interrupt and waits.  Each interrupt is answered: a request still queued
 * ends with EINTR and has no effect; a read under way ends with EINTR at
 * once and its result is dropped; a write under way is answered when it
 * ends, within the store's bound, so that EINTR always means that nothing
 * was written.
 *
 * Every request this thread owns is on dev->jobs until it is answered, and
 * whoever takes it off (this thread, or the interrupt callback) answers it,
 * under dev->qlock; the list, not a pointer handed to libfuse, is how the
 * callback finds a request, so that it never sees a job that is gone.
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <fuse_lowlevel.h>

#include "pvbusd.h"

enum job_state {
	JOB_NEW,		/* being submitted */
	JOB_QUEUED,
	JOB_RUNNING		/* in its store call */
};

struct pvbusd_job {
	struct pvbusd_job	*next;
	fuse_req_t		 req;
	enum job_state		 state;
	int			 interrupted;
	struct pvbusd_xfer	 x;
	char			*in;		/* the fetched data, copied */
};

static void
job_free(struct pvbusd_job *j)
{
	free(j->in);
	free(j);
}

/* Take J off the list; 0 when it was not on it (already answered). */
static int
job_unlink(struct pvbusd_dev *dev, struct pvbusd_job *j)
{
	struct pvbusd_job **p;

	for (p = &dev->jobs; *p != NULL; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			return (1);
		}
	return (0);
}

static void
job_append(struct pvbusd_dev *dev, struct pvbusd_job *j)
{
	struct pvbusd_job **p;

	for (p = &dev->jobs; *p != NULL; p = &(*p)->next)
		;
	j->next = NULL;
	*p = j;
}

/*
 * libfuse calls this when the kernel interrupts REQ, holding REQ alive for
 * the call; from fuse_req_interrupt_func() too, while the job is new, and
 * then it must not answer.
 */
static void
store_interrupt(fuse_req_t req, void *arg)
{
	struct pvbusd_dev *dev = arg;
	struct pvbusd_job *j;
	int answer = 0, drop = 0;

	pthread_mutex_lock(&dev->qlock);
	for (j = dev->jobs; j != NULL && j->req != req; j = j->next)
		;
	if (j != NULL) {
		j->interrupted = 1;
		if (j->state == JOB_QUEUED) {
			job_unlink(dev, j);
			answer = drop = 1;
		} else if (j->state == JOB_RUNNING &&
		    j->x.cmd != PVBUSIOC_KVWRITE) {
			/* The store thread drops the result. */
			job_unlink(dev, j);
			answer = 1;
		}
	}
	pthread_mutex_unlock(&dev->qlock);
	if (answer)
		fuse_reply_err(req, EINTR);
	if (drop)
		job_free(j);
}

void
pvbusd_store_submit(struct pvbusd_dev *dev, void *req,
    const struct pvbusd_xfer *x, const void *in_buf)
{
	struct pvbusd_job *j;
	int error = 0;

	/* libfuse reuses IN_BUF once this request's handler returns. */
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->in = malloc(x->in_bufsz > 0 ? x->in_bufsz : 1)) == NULL) {
		free(j);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(j->in, in_buf, x->in_bufsz);
	j->x = *x;
	j->req = req;
	j->state = JOB_NEW;

	pthread_mutex_lock(&dev->qlock);
	job_append(dev, j);
	pthread_mutex_unlock(&dev->qlock);
	fuse_req_interrupt_func(req, store_interrupt, dev);

	pthread_mutex_lock(&dev->qlock);
	if (j->interrupted)
		error = EINTR;
	else if (dev->stopping)
		error = ENXIO;
	if (error != 0)
		job_unlink(dev, j);
	else {
		j->state = JOB_QUEUED;
		pthread_cond_signal(&dev->qcond);
	}
	pthread_mutex_unlock(&dev->qlock);
	if (error != 0) {
		fuse_reply_err(req, error);
		job_free(j);
	}
}

/*
 * A request that gave up waiting (a lock another process held, a host that
 * did not answer) is logged with what it waited for: its caller sees only
 * EBUSY or ETIMEDOUT.  One request waits at a time, so this logs at most
 * once per store bound.
 */
static void
store_log(struct pvbusd_dev *dev, const struct pvbusd_answer *ans)
{
	const char *why;

	if (ans->kind != PVBUSD_ANSWER_ERROR ||
	    (ans->error != EBUSY && ans->error != ETIMEDOUT))
		return;
	why = pvbus_unit_store_error(pvbus_unit(dev->bus, dev->unit));
	log_warnx("%s: a request gave up: %s", dev->name,
	    why[0] != '\0' ? why : strerror(ans->error));
}

static void *
store_main(void *arg)
{
	struct pvbusd_dev *dev = arg;
	struct pvbusd_answer ans;
	struct pvbusd_job *j;

	pthread_mutex_lock(&dev->qlock);
	for (;;) {
		for (j = dev->jobs; j != NULL && j->state != JOB_QUEUED;
		    j = j->next)
			;
		if (j == NULL) {
			if (dev->stopping)
				break;
			pthread_cond_wait(&dev->qcond, &dev->qlock);
			continue;
		}
		if (dev->stopping) {
			job_unlink(dev, j);
			pthread_mutex_unlock(&dev->qlock);
			fuse_reply_err(j->req, ENXIO);
			job_free(j);
			pthread_mutex_lock(&dev->qlock);
			continue;
		}
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&dev->qlock);

		memset(&ans, 0, sizeof(ans));
		pvbusd_xfer_finish(&j->x, dev->bus, dev->unit, j->in, &ans);
		store_log(dev, &ans);

		pthread_mutex_lock(&dev->qlock);
		if (job_unlink(dev, j)) {
			pthread_mutex_unlock(&dev->qlock);
			pvbusd_reply(j->req, &ans);
			pthread_mutex_lock(&dev->qlock);
		} else
			free(ans.out);
		job_free(j);
	}
	pthread_mutex_unlock(&dev->qlock);
	return (NULL);
}

int
pvbusd_store_start(struct pvbusd_dev *dev)
{
	sigset_t all, old;
	int error;

	dev->jobs = NULL;
	dev->stopping = 0;
	pthread_mutex_init(&dev->qlock, NULL);
	pthread_cond_init(&dev->qcond, NULL);
	/* Signals are libfuse's to take, in the session's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	error = pthread_create(&dev->store_thread, NULL, store_main, dev);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return (error);
}

void
pvbusd_store_stop(struct pvbusd_dev *dev)
{
	pthread_mutex_lock(&dev->qlock);
	dev->stopping = 1;
	pthread_cond_signal(&dev->qcond);
	pthread_mutex_unlock(&dev->qlock);
	pthread_join(dev->store_thread, NULL);
}
