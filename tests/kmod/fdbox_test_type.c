// SPDX-License-Identifier: GPL-2.0
/*
 * fdbox_test_type: a file type registered with FDBox through its handler
 * API, for the plugins suite. Test builds only: never installed.
 *
 * It registers two types. "test" (hold-only) files are opens of
 * /sys/kernel/debug/fdbox_test_type/object. "test-kho" files, which can
 * cross a kexec (compatible "fdbox-test,object", payload version 1: a
 * magic number, a value, the name of the fd it depends on), are opens of
 * .../kho-object and, after a kexec, the anonymous files its restore hook
 * makes. Loaded with hold_only=1, "test-kho" has no handover hooks: it
 * only names the compatible string (what a kernel that can hold a type but
 * not restore it does). Their file operations name no
 * owner, so an open object does not keep the module loaded: only FDBox's
 * reference, taken when an object enters a box, does (which is what the
 * suite checks). Do not unload the module while objects are open outside
 * boxes. Files in debugfs (all 0600, root):
 *   object       open it to make a "test" object
 *   kho-object   open it to make a "test-kho" object
 *   seal_fail    name of the "test-kho" fd whose seal hook fails (ENOMEM);
 *                empty: none
 *   restore_fail the same for the restore hook (a failure to retry)
 *   sealed       "test-kho" fds sealed now (seal minus unseal calls)
 *   value        a number the seal hook records, and the freeze hook
 *                records again at reboot
 *   depends      "A:B,C:D": the seal hook of "test-kho" fd A makes it
 *                depend on fd B of the same box ("test-kho" fds only;
 *                B not in the box: on an object of no fd), C on D
 *   version      payload version the handler writes (1; others are
 *                refused by its load hook)
 *   restored     "NAME=VALUE " for each "test-kho" fd restored, in the
 *                order restored; write anything to empty it
 *   put_errno    errno the put hook returns (0: accept)
 *   registered   reads 1 or 0; write 0 to unregister, 1 to register again:
 *                the write fails with the errno FDBox returned
 *   register     write "dup" (a second handler of the memfd type),
 *                "incomplete" (a handler without its put hook) or
 *                "freeze-only" (a freeze hook without the others): the write
 *                fails with the errno FDBox returned, or succeeds if FDBox
 *                accepted (and the handler is unregistered again)
 * The "test" type can be held but not handed over: it has no seal hook.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include "fdbox_handler.h"

#define FDBOX_TEST_TYPE		0x7e57
#define FDBOX_TEST_KHO_TYPE	0x7e58
#define FDBOX_TEST_KHO_COMPAT	"fdbox-test,object"
#define FDBOX_TEST_KHO_VERSION	1
#define FDBOX_TEST_KHO_MAGIC	0xfdb07e57c0ffee00ULL

static struct dentry *fdbox_test_dir;
static struct dentry *fdbox_test_object;
static struct dentry *fdbox_test_kho_object;
static char *fdbox_test_seal_fail;
static char *fdbox_test_restore_fail;
static atomic_t fdbox_test_sealed = ATOMIC_INIT(0);
static u32 fdbox_test_put_errno;
static bool fdbox_test_registered;
static struct fdbox_handler *fdbox_test_kho_registered;
static DEFINE_MUTEX(fdbox_test_lock);

static const struct file_operations fdbox_test_object_fops = {
	.llseek = noop_llseek,
};

static bool fdbox_test_recognise(struct file *file)
{
	return file_inode(file) == d_inode(fdbox_test_object);
}

static int fdbox_test_put(struct fdbox_fd *fd)
{
	u32 err = READ_ONCE(fdbox_test_put_errno);

	return err ? -(int)err : 0;
}

static void fdbox_test_release(struct fdbox_fd *fd)
{
}

static u64 fdbox_test_size(struct fdbox_fd *fd)
{
	return 0;
}

static struct fdbox_handler fdbox_test_handler = {
	.owner = THIS_MODULE,
	.type = FDBOX_TEST_TYPE,
	.name = "test",
	.recognise = fdbox_test_recognise,
	.put = fdbox_test_put,
	.release = fdbox_test_release,
	.size = fdbox_test_size,
};

/* "test-kho": objects that cross a kexec, restored as anonymous files */

/* Its payload, version 1. */
struct fdbox_test_kho_rec {
	u64 magic;
	u64 value;
	char depends[FDBOX_NAME_LEN];
};

static_assert(sizeof(struct fdbox_test_kho_rec) <= FDBOX_HANDLER_PAYLOAD_MAX);

/* The "test-kho" fds in boxes, for finding one by box and name. */
struct fdbox_test_kho_fd {
	struct list_head node;
	struct fdbox_fd *fd;
};

/* Protects fdbox_test_kho_fds and fdbox_test_restored. */
static DEFINE_MUTEX(fdbox_test_fds_lock);
static LIST_HEAD(fdbox_test_kho_fds);
static u64 fdbox_test_value;
static char *fdbox_test_depends;
static char fdbox_test_restored[1024];
static size_t fdbox_test_restored_len;
static bool hold_only;
module_param(hold_only, bool, 0444);
MODULE_PARM_DESC(hold_only, "register \"test-kho\" without handover hooks");

static const struct file_operations fdbox_test_restored_fops = {
	.llseek = noop_llseek,
};

static bool fdbox_test_kho_recognise(struct file *file)
{
	return file_inode(file) == d_inode(fdbox_test_kho_object) ||
	       file->f_op == &fdbox_test_restored_fops;
}

/* Is @fd the one debugfs string @knob names? */
static bool fdbox_test_named(char **knob, struct fdbox_fd *fd)
{
	const char *name;
	bool match;

	rcu_read_lock();
	name = READ_ONCE(*knob);
	match = name && !strcmp(name, fd->name);
	rcu_read_unlock();
	return match;
}

static int fdbox_test_kho_put(struct fdbox_fd *fd)
{
	struct fdbox_test_kho_fd *t;
	int err = fdbox_test_put(fd);

	if (err)
		return err;
	t = kzalloc_obj(*t);
	if (!t)
		return -ENOMEM;
	t->fd = fd;
	fd->priv = t;
	guard(mutex)(&fdbox_test_fds_lock);
	list_add(&t->node, &fdbox_test_kho_fds);
	return 0;
}

/*
 * The file of the "test-kho" fd the depends knob names for @fd, in @fd's
 * box: NULL if it names none, ERR_PTR(-ENOENT) if there is no such fd,
 * else the file (the box holds it; the box lock is held).
 */
static struct file *fdbox_test_dependency(struct fdbox_fd *fd)
{
	struct fdbox_test_kho_fd *t;
	char *knob, *pair, *name, *cur;
	struct file *file = NULL;

	rcu_read_lock();
	knob = kstrdup(READ_ONCE(fdbox_test_depends), GFP_ATOMIC);
	rcu_read_unlock();
	if (!knob)
		return ERR_PTR(-ENOMEM);
	guard(mutex)(&fdbox_test_fds_lock);
	cur = strim(knob);
	while ((pair = strsep(&cur, ","))) {
		name = strsep(&pair, ":");
		if (!pair || strcmp(name, fd->name))
			continue;
		file = ERR_PTR(-ENOENT);
		list_for_each_entry(t, &fdbox_test_kho_fds, node)
			if (t->fd->box == fd->box && t->fd->file &&
			    !strcmp(t->fd->name, pair))
				file = t->fd->file;
		break;
	}
	kfree(knob);
	return file;
}

static int fdbox_test_kho_seal(struct fdbox_fd *fd)
{
	struct fdbox_test_kho_rec *rec;
	const struct fdbox_fd *dep;
	struct file *file;
	int err;

	if (fdbox_test_named(&fdbox_test_seal_fail, fd))
		return -ENOMEM;
	rec = kzalloc_obj(*rec);
	if (!rec)
		return -ENOMEM;
	rec->magic = FDBOX_TEST_KHO_MAGIC;
	rec->value = READ_ONCE(fdbox_test_value);
	file = fdbox_test_dependency(fd);
	if (file) {
		/* A name of no fd: an object no fd of the box holds. */
		dep = file == ERR_PTR(-ENOMEM) ? ERR_CAST(file) :
		      fdbox_seal_depend(fd, IS_ERR(file) ? (void *)rec : file);
		if (IS_ERR(dep)) {
			err = PTR_ERR(dep);
			kfree(rec);
			return err;
		}
		strscpy(rec->depends, dep->name);
	}
	fd->seal_data = rec;
	atomic_inc(&fdbox_test_sealed);
	return 0;
}

static void fdbox_test_kho_unseal(struct fdbox_fd *fd)
{
	kfree(fd->seal_data);
	fd->seal_data = NULL;
	atomic_dec(&fdbox_test_sealed);
}

static u32 fdbox_test_kho_emit(struct fdbox_fd *fd, void *payload)
{
	memcpy(payload, fd->seal_data, sizeof(struct fdbox_test_kho_rec));
	return sizeof(struct fdbox_test_kho_rec);
}

static void fdbox_test_kho_freeze(struct fdbox_fd *fd, void *payload)
{
	struct fdbox_test_kho_rec *rec = payload;

	rec->value = READ_ONCE(fdbox_test_value);
}

static int fdbox_test_kho_load(const struct fdbox_record *rec, void **data,
			       u64 *size)
{
	const struct fdbox_test_kho_rec *r = rec->payload;

	if (rec->version != FDBOX_TEST_KHO_VERSION ||
	    rec->size != sizeof(*r)) {
		pr_err("'%s': record version %u of %u bytes\n", rec->name,
		       rec->version, rec->size);
		return -EINVAL;
	}
	if (r->magic != FDBOX_TEST_KHO_MAGIC ||
	    !memchr(r->depends, 0, sizeof(r->depends))) {
		pr_err("'%s': bad magic %#llx or dependency\n", rec->name,
		       r->magic);
		return -EINVAL;
	}
	*data = kmemdup(r, sizeof(*r), GFP_KERNEL);
	*size = 0;
	return *data ? 0 : -ENOMEM;
}

static void fdbox_test_kho_unload(void *data)
{
	kfree(data);
}

static int fdbox_test_kho_restore(struct fdbox_fd *fd)
{
	const struct fdbox_test_kho_rec *rec = fd->restore_data;
	struct file *file;
	int n;

	if (rec->depends[0]) {
		file = fdbox_restore_depend(fd, rec->depends);
		if (IS_ERR(file))
			return PTR_ERR(file);
		if (!fdbox_test_kho_recognise(file))
			return -EIO;
	}
	if (fdbox_test_named(&fdbox_test_restore_fail, fd))
		return -ENOMEM;

	file = anon_inode_getfile("[fdbox-test]", &fdbox_test_restored_fops,
				  NULL, O_RDWR);
	if (IS_ERR(file))
		return PTR_ERR(file);
	scoped_guard(mutex, &fdbox_test_fds_lock) {
		n = scnprintf(fdbox_test_restored + fdbox_test_restored_len,
			      sizeof(fdbox_test_restored) -
			      fdbox_test_restored_len, "%s=%llu ", fd->name,
			      rec->value);
		fdbox_test_restored_len += n;
	}
	kfree(fd->restore_data);
	fd->restore_data = NULL;
	fd->file = file;
	return 0;
}

static void fdbox_test_kho_release(struct fdbox_fd *fd)
{
	struct fdbox_test_kho_fd *t = fd->priv;

	kfree(fd->restore_data);
	fd->restore_data = NULL;
	if (!t)
		return;
	scoped_guard(mutex, &fdbox_test_fds_lock)
		list_del(&t->node);
	kfree(t);
	fd->priv = NULL;
}

static u64 fdbox_test_kho_record_bytes(const struct fdbox_record *rec)
{
	return 0;
}

static u64 fdbox_test_kho_unclaimed(struct fdbox_fd *fd)
{
	return 0;
}

static struct fdbox_handler fdbox_test_kho_handler = {
	.owner = THIS_MODULE,
	.type = FDBOX_TEST_KHO_TYPE,
	.name = "test-kho",
	.compatible = FDBOX_TEST_KHO_COMPAT,
	.version = FDBOX_TEST_KHO_VERSION,
	.recognise = fdbox_test_kho_recognise,
	.put = fdbox_test_kho_put,
	.seal = fdbox_test_kho_seal,
	.unseal = fdbox_test_kho_unseal,
	.restore = fdbox_test_kho_restore,
	.release = fdbox_test_kho_release,
	.size = fdbox_test_size,
	.emit = fdbox_test_kho_emit,
	.freeze = fdbox_test_kho_freeze,
	.load = fdbox_test_kho_load,
	.unload = fdbox_test_kho_unload,
	.record_bytes = fdbox_test_kho_record_bytes,
	.unclaimed = fdbox_test_kho_unclaimed,
};

/* With hold_only=1: the same type, held only. */
static struct fdbox_handler fdbox_test_kho_hold_handler = {
	.owner = THIS_MODULE,
	.type = FDBOX_TEST_KHO_TYPE,
	.name = "test-kho",
	.compatible = FDBOX_TEST_KHO_COMPAT,
	.recognise = fdbox_test_kho_recognise,
	.put = fdbox_test_kho_put,
	.release = fdbox_test_kho_release,
	.size = fdbox_test_size,
};

static ssize_t fdbox_test_restored_read(struct file *file, char __user *ubuf,
					size_t len, loff_t *ppos)
{
	guard(mutex)(&fdbox_test_fds_lock);
	return simple_read_from_buffer(ubuf, len, ppos, fdbox_test_restored,
				       fdbox_test_restored_len);
}

static ssize_t fdbox_test_restored_write(struct file *file,
					 const char __user *ubuf, size_t len,
					 loff_t *ppos)
{
	guard(mutex)(&fdbox_test_fds_lock);
	fdbox_test_restored_len = 0;
	fdbox_test_restored[0] = '\0';
	return len;
}

static const struct file_operations fdbox_test_restored_knob_fops = {
	.owner = THIS_MODULE,
	.read = fdbox_test_restored_read,
	.write = fdbox_test_restored_write,
	.llseek = default_llseek,
};

static int fdbox_test_registered_get(void *data, u64 *val)
{
	*val = READ_ONCE(fdbox_test_registered);
	return 0;
}

static int fdbox_test_registered_set(void *data, u64 val)
{
	int err;

	guard(mutex)(&fdbox_test_lock);
	if (val > 1)
		return -EINVAL;
	if (val == fdbox_test_registered)
		return 0;
	err = val ? fdbox_register_handler(&fdbox_test_handler) :
		    fdbox_unregister_handler(&fdbox_test_handler);
	if (!err)
		fdbox_test_registered = val;
	return err;
}
DEFINE_DEBUGFS_ATTRIBUTE(fdbox_test_registered_fops, fdbox_test_registered_get,
			 fdbox_test_registered_set, "%llu\n");

/* Handlers FDBox must refuse; each is unregistered if it is accepted. */
static struct fdbox_handler fdbox_test_dup = {
	.owner = THIS_MODULE,
	.type = FDBOX_FD_TYPE_MEMFD,
	.name = "test-dup",
	.recognise = fdbox_test_recognise,
	.put = fdbox_test_put,
	.release = fdbox_test_release,
	.size = fdbox_test_size,
};

static void fdbox_test_freeze(struct fdbox_fd *fd, void *payload)
{
}

static struct fdbox_handler fdbox_test_freeze_only = {
	.owner = THIS_MODULE,
	.type = FDBOX_TEST_TYPE + 2,
	.name = "test-freeze-only",
	.recognise = fdbox_test_recognise,
	.put = fdbox_test_put,
	.release = fdbox_test_release,
	.size = fdbox_test_size,
	.freeze = fdbox_test_freeze,
};

static struct fdbox_handler fdbox_test_incomplete = {
	.owner = THIS_MODULE,
	.type = FDBOX_TEST_TYPE + 1,
	.name = "test-incomplete",
	.recognise = fdbox_test_recognise,
	.release = fdbox_test_release,
	.size = fdbox_test_size,
};

static ssize_t fdbox_test_register_write(struct file *file,
					 const char __user *ubuf,
					 size_t len, loff_t *ppos)
{
	struct fdbox_handler *h;
	char buf[16];
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);
	if (!strcmp(buf, "dup"))
		h = &fdbox_test_dup;
	else if (!strcmp(buf, "incomplete"))
		h = &fdbox_test_incomplete;
	else if (!strcmp(buf, "freeze-only"))
		h = &fdbox_test_freeze_only;
	else
		return -EINVAL;
	err = fdbox_register_handler(h);
	if (err)
		return err;
	WARN_ON(fdbox_unregister_handler(h));
	return len;
}

static const struct file_operations fdbox_test_register_fops = {
	.owner = THIS_MODULE,
	.write = fdbox_test_register_write,
};

static void fdbox_test_free_knobs(void)
{
	kfree(fdbox_test_seal_fail);
	kfree(fdbox_test_restore_fail);
	kfree(fdbox_test_depends);
}

static int __init fdbox_test_init(void)
{
	struct fdbox_handler *kho = hold_only ? &fdbox_test_kho_hold_handler :
						&fdbox_test_kho_handler;
	int err;

	/* debugfs strings must never be NULL: reading one would oops. */
	fdbox_test_seal_fail = kstrdup("", GFP_KERNEL);
	fdbox_test_restore_fail = kstrdup("", GFP_KERNEL);
	fdbox_test_depends = kstrdup("", GFP_KERNEL);
	if (!fdbox_test_seal_fail || !fdbox_test_restore_fail ||
	    !fdbox_test_depends) {
		fdbox_test_free_knobs();
		return -ENOMEM;
	}
	fdbox_test_dir = debugfs_create_dir("fdbox_test_type", NULL);
	fdbox_test_object = debugfs_create_file("object", 0600, fdbox_test_dir,
						NULL, &fdbox_test_object_fops);
	fdbox_test_kho_object = debugfs_create_file("kho-object", 0600,
						    fdbox_test_dir, NULL,
						    &fdbox_test_object_fops);
	debugfs_create_u32("put_errno", 0600, fdbox_test_dir,
			   &fdbox_test_put_errno);
	debugfs_create_str("seal_fail", 0600, fdbox_test_dir,
			   &fdbox_test_seal_fail);
	debugfs_create_str("restore_fail", 0600, fdbox_test_dir,
			   &fdbox_test_restore_fail);
	debugfs_create_atomic_t("sealed", 0400, fdbox_test_dir,
				&fdbox_test_sealed);
	debugfs_create_u64("value", 0600, fdbox_test_dir, &fdbox_test_value);
	debugfs_create_str("depends", 0600, fdbox_test_dir,
			   &fdbox_test_depends);
	debugfs_create_u32("version", 0600, fdbox_test_dir,
			   &fdbox_test_kho_handler.version);
	debugfs_create_file("restored", 0600, fdbox_test_dir, NULL,
			    &fdbox_test_restored_knob_fops);
	debugfs_create_file("registered", 0600, fdbox_test_dir, NULL,
			    &fdbox_test_registered_fops);
	debugfs_create_file("register", 0200, fdbox_test_dir, NULL,
			    &fdbox_test_register_fops);
	err = -ENOMEM;
	if (IS_ERR(fdbox_test_object) || IS_ERR(fdbox_test_kho_object))
		goto err_debugfs;
	err = fdbox_register_handler(&fdbox_test_handler);
	if (err)
		goto err_debugfs;
	err = fdbox_register_handler(kho);
	if (err)
		goto err_test;
	fdbox_test_kho_registered = kho;
	fdbox_test_registered = true;
	return 0;

err_test:
	WARN_ON(fdbox_unregister_handler(&fdbox_test_handler));
err_debugfs:
	debugfs_remove(fdbox_test_dir);
	fdbox_test_free_knobs();
	return err;
}

static void __exit fdbox_test_exit(void)
{
	/* Objects in boxes hold this module: none is left here. */
	WARN_ON(fdbox_unregister_handler(fdbox_test_kho_registered));
	if (fdbox_test_registered)
		WARN_ON(fdbox_unregister_handler(&fdbox_test_handler));
	debugfs_remove(fdbox_test_dir);
	fdbox_test_free_knobs();
}

module_init(fdbox_test_init);
module_exit(fdbox_test_exit);

MODULE_DESCRIPTION("FDBox test file type (tests only)");
MODULE_LICENSE("GPL");
