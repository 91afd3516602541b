// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox: module init and exit, control device, box devices, ioctl dispatch.
 */

/**
 * DOC: FDBox devices
 *
 * /dev/fdbox/fdbox is a misc device: FDBOX_CREATE_BOX, FDBOX_CREATE_BOX2,
 * FDBOX_DELETE_BOX and FDBOX_LIST (every box). Each box is a character
 * device of the class "fdbox", /dev/fdbox/<name>: FDBOX_PUT_FD,
 * FDBOX_GET_FD, FDBOX_SEAL, FDBOX_UNSEAL and FDBOX_LIST (that box). Any
 * other ioctl fails with ENOTTY.
 *
 * The control node is 0600 root. A box node is 0600 root too, unless
 * FDBOX_CREATE_BOX2 gave it another owner, group and mode (which needs
 * CAP_CHOWN): they are the box's, handed over with it, and the next kernel
 * makes its node with them again. Access control is the node: the ioctls
 * check no other capability.
 *
 * Each ioctl is described in a table with the size of its argument. The
 * argument is copied in first (FDBOX_LIST and FDBOX_CREATE_BOX2 with
 * copy_struct_from_user(), as they start with their size), checked
 * completely, and only then handed to box.c, which takes the locks and
 * changes state.
 *
 * Each box device has sysfs attributes state, nr_fds, bytes and max_bytes,
 * readable by those who may read its node (the read bits of its mode, its
 * owner and group).
 *
 * Module load takes every step that can fail first (device numbers, the
 * class, the outgoing KHO subtree, the control device) and recreates the
 * boxes the previous kernel handed over last, when nothing can fail any
 * more: a failed load leaves no box device behind and consumes nothing of
 * the handover. Until those boxes exist, control device ioctls wait, so
 * that CREATE_BOX cannot take the name of a box about to be recreated.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cdev.h>
#include <linux/cleanup.h>
#include <linux/compat.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/init.h>
#include <linux/ioctl.h>
#include <linux/kdev_t.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include "debug.h"
#include "fdbox.h"
#include "helper.h"
#include "kho_vm.h"

/* Box device minors; max_boxes is the limit users see. */
#define FDBOX_MAX_MINORS	BIT(16)

static dev_t fdbox_devt;
static DEFINE_IDA(fdbox_minors);
/* The boxes of the previous kernel are recreated (end of module load). */
static DECLARE_COMPLETION(fdbox_ready);

static struct fdbox_box *dev_to_box(struct device *dev)
{
	return container_of(dev, struct fdbox_box, dev);
}

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct fdbox_box *box = dev_to_box(dev);

	guard(mutex)(&box->lock);
	return sysfs_emit(buf, "%s\n", fdbox_state_name(box->state));
}
static DEVICE_ATTR_RO(state);

static ssize_t nr_fds_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct fdbox_box *box = dev_to_box(dev);

	guard(mutex)(&box->lock);
	return sysfs_emit(buf, "%u\n", box->nr_fds);
}
static DEVICE_ATTR_RO(nr_fds);

static ssize_t bytes_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct fdbox_box *box = dev_to_box(dev);

	guard(mutex)(&box->lock);
	return sysfs_emit(buf, "%llu\n", box->bytes);
}
static DEVICE_ATTR_RO(bytes);

static ssize_t max_bytes_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", dev_to_box(dev)->params.max_bytes);
}
static DEVICE_ATTR_RO(max_bytes);

static struct attribute *fdbox_box_attrs[] = {
	&dev_attr_state.attr,
	&dev_attr_nr_fds.attr,
	&dev_attr_bytes.attr,
	&dev_attr_max_bytes.attr,
	NULL
};

/*
 * What a box holds is for those who may open its node: its attributes
 * have the read bits of the node's mode, and its owner and group
 * (fdbox_box_ownership()).
 */
static umode_t fdbox_box_attr_mode(struct kobject *kobj, struct attribute *a,
				   int n)
{
	return dev_to_box(kobj_to_dev(kobj))->params.mode & 0444;
}

static const struct attribute_group fdbox_box_group = {
	.attrs = fdbox_box_attrs,
	.is_visible = fdbox_box_attr_mode,
};
__ATTRIBUTE_GROUPS(fdbox_box);

static void fdbox_box_ownership(const struct device *dev, kuid_t *uid,
				kgid_t *gid)
{
	const struct fdbox_box *box = container_of(dev, struct fdbox_box, dev);

	*uid = box->params.uid;
	*gid = box->params.gid;
}

/*
 * The driver core cannot be told that this failed: on NULL it uses the bare
 * device name, so a box node would be made as /dev/<name> (uevent DEVNAME,
 * devtmpfs), or, at delete, /dev/<name> removed instead of the real node,
 * which then stays behind pointing at a minor the next box reuses. The
 * string is at most "fdbox/" plus 255 bytes: never fail. The owner, group
 * and mode are the box's (0600 root unless given at FDBOX_CREATE_BOX2, or
 * handed over): devtmpfs makes the node with them, and udev finds them in
 * the uevent (DEVUID, DEVGID, DEVMODE).
 */
static char *fdbox_box_devnode(const struct device *dev, umode_t *mode,
			       kuid_t *uid, kgid_t *gid)
{
	const struct fdbox_box *box = container_of(dev, struct fdbox_box, dev);

	if (mode)
		*mode = box->params.mode;
	if (uid)
		*uid = box->params.uid;
	if (gid)
		*gid = box->params.gid;
	return kasprintf(GFP_KERNEL | __GFP_NOFAIL, "fdbox/%s", dev_name(dev));
}

static const struct device_type fdbox_box_type = {
	.devnode = fdbox_box_devnode,
};

static const struct class fdbox_class = {
	.name = "fdbox",
	.dev_groups = fdbox_box_groups,
	.get_ownership = fdbox_box_ownership,
};

/* The argument of any FDBox ioctl, copied in. */
union fdbox_ioctl_arg {
	struct fdbox_create_box create;
	struct fdbox_create_box2 create2;
	struct fdbox_delete_box delete;
	struct fdbox_put_fd put;
	struct fdbox_get_fd get;
	struct fdbox_list list;
};

/**
 * struct fdbox_ioctl_op - one ioctl of a device
 * @cmd: the ioctl number
 * @size: size of the argument, 0 if there is none
 * @min_size: for an argument that starts with its __u32 size: the smallest
 *            size accepted; 0 for a fixed size argument
 * @fn: the handler, called with the argument copied in
 */
struct fdbox_ioctl_op {
	unsigned int cmd;
	unsigned int size;
	unsigned int min_size;
	long (*fn)(struct file *file, union fdbox_ioctl_arg *arg);
};

#define FDBOX_IOCTL(_cmd, _fn, _struct)			\
	{						\
		.cmd = (_cmd),				\
		.size = sizeof(_struct),		\
		.fn = (_fn),				\
	}

#define FDBOX_IOCTL_NOARG(_cmd, _fn)			\
	{						\
		.cmd = (_cmd),				\
		.fn = (_fn),				\
	}

#define FDBOX_IOCTL_SIZED(_cmd, _fn, _struct, _last)	\
	{						\
		.cmd = (_cmd),				\
		.size = sizeof(_struct),		\
		.min_size = offsetofend(_struct, _last),\
		.fn = (_fn),				\
	}

static bool fdbox_ioctl_match(const struct fdbox_ioctl_op *op,
			      unsigned int cmd)
{
	/* The size encoded in the number is the caller's, @size tells it. */
	if (op->min_size)
		return (cmd & ~IOCSIZE_MASK) == (op->cmd & ~IOCSIZE_MASK);
	return cmd == op->cmd;
}

static long fdbox_ioctl(const struct fdbox_ioctl_op *ops, size_t nr_ops,
			struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const struct fdbox_ioctl_op *op;
	union fdbox_ioctl_arg karg;
	u32 usize = 0;
	size_t i;
	long ret;

	for (i = 0; i < nr_ops; i++)
		if (fdbox_ioctl_match(&ops[i], cmd))
			break;
	if (i == nr_ops)
		return -ENOTTY;
	op = &ops[i];

	if (op->min_size) {
		if (get_user(usize, (u32 __user *)uarg))
			return -EFAULT;
		if (usize < op->min_size)
			return -EINVAL;
		ret = copy_struct_from_user(&karg, op->size, uarg, usize);
		if (ret)
			return ret;
	} else if (op->size) {
		if (copy_from_user(&karg, uarg, op->size))
			return -EFAULT;
	}

	ret = op->fn(file, &karg);
	if (ret < 0 || !op->min_size || !(_IOC_DIR(op->cmd) & _IOC_READ))
		return ret;
	return copy_struct_to_user(uarg, usize, &karg, op->size, NULL);
}

static long fdbox_ioctl_create_box(struct file *file,
				   union fdbox_ioctl_arg *arg)
{
	const struct fdbox_create_box *args = &arg->create;
	int err;

	if (args->flags)
		return -EINVAL;
	err = fdbox_check_box_name(args->name);
	if (err)
		return err;
	return fdbox_create_box((const char *)args->name,
				&FDBOX_PARAMS_DEFAULT);
}

static long fdbox_ioctl_create_box2(struct file *file,
				    union fdbox_ioctl_arg *arg)
{
	const struct fdbox_create_box2 *args = &arg->create2;
	struct fdbox_box_params params = FDBOX_PARAMS_DEFAULT;
	int err;

	if ((args->flags & ~FDBOX_CREATE_ACCESS) || args->reserved)
		return -EINVAL;
	err = fdbox_check_box_name(args->name);
	if (err)
		return err;
	if (args->flags & FDBOX_CREATE_ACCESS) {
		params.uid = make_kuid(current_user_ns(), args->uid);
		params.gid = make_kgid(current_user_ns(), args->gid);
		params.mode = args->mode;
		if (!uid_valid(params.uid) || !gid_valid(params.gid) ||
		    (args->mode & ~0777))
			return -EINVAL;
		if (!capable(CAP_CHOWN))
			return -EPERM;
	} else if (args->uid || args->gid || args->mode) {
		return -EINVAL;
	}
	params.max_bytes = args->max_bytes;
	return fdbox_create_box((const char *)args->name, &params);
}

static long fdbox_ioctl_delete_box(struct file *file,
				   union fdbox_ioctl_arg *arg)
{
	const struct fdbox_delete_box *args = &arg->delete;
	int err;

	if (args->flags)
		return -EINVAL;
	err = fdbox_check_box_name(args->name);
	if (err)
		return err;
	return fdbox_delete_box((const char *)args->name);
}

static long fdbox_ioctl_list_all(struct file *file, union fdbox_ioctl_arg *arg)
{
	return fdbox_list(NULL, &arg->list);
}

static const struct fdbox_ioctl_op fdbox_control_ops[] = {
	FDBOX_IOCTL(FDBOX_CREATE_BOX, fdbox_ioctl_create_box,
		    struct fdbox_create_box),
	FDBOX_IOCTL(FDBOX_DELETE_BOX, fdbox_ioctl_delete_box,
		    struct fdbox_delete_box),
	FDBOX_IOCTL_SIZED(FDBOX_LIST, fdbox_ioctl_list_all,
			  struct fdbox_list, unclaimed_bytes),
	FDBOX_IOCTL_SIZED(FDBOX_CREATE_BOX2, fdbox_ioctl_create_box2,
			  struct fdbox_create_box2, max_bytes),
};

static long fdbox_control_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	if (!completion_done(&fdbox_ready) &&
	    wait_for_completion_killable(&fdbox_ready))
		return -EINTR;
	return fdbox_ioctl(fdbox_control_ops, ARRAY_SIZE(fdbox_control_ops),
			   file, cmd, arg);
}

static const struct file_operations fdbox_control_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = fdbox_control_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice fdbox_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "fdbox",
	.nodename = "fdbox/fdbox",
	.mode = 0600,
	.fops = &fdbox_control_fops,
};

static long fdbox_ioctl_put_fd(struct file *file, union fdbox_ioctl_arg *arg)
{
	const struct fdbox_put_fd *args = &arg->put;
	int err;

	if (args->flags || args->pad)
		return -EINVAL;
	err = fdbox_check_name(args->name);
	if (err)
		return err;
	return fdbox_box_put_fd(file->private_data, args->fd,
				(const char *)args->name);
}

static long fdbox_ioctl_get_fd(struct file *file, union fdbox_ioctl_arg *arg)
{
	const struct fdbox_get_fd *args = &arg->get;
	int err;

	if (args->flags & ~FDBOX_GET_FD_KEEP)
		return -EINVAL;
	err = fdbox_check_name(args->name);
	if (err)
		return err;
	return fdbox_box_get_fd(file->private_data, (const char *)args->name,
				args->flags & FDBOX_GET_FD_KEEP);
}

static long fdbox_ioctl_seal(struct file *file, union fdbox_ioctl_arg *arg)
{
	return fdbox_box_seal(file->private_data);
}

static long fdbox_ioctl_unseal(struct file *file, union fdbox_ioctl_arg *arg)
{
	return fdbox_box_unseal(file->private_data);
}

static long fdbox_ioctl_list_box(struct file *file, union fdbox_ioctl_arg *arg)
{
	return fdbox_list(file->private_data, &arg->list);
}

static const struct fdbox_ioctl_op fdbox_box_ops[] = {
	FDBOX_IOCTL(FDBOX_PUT_FD, fdbox_ioctl_put_fd, struct fdbox_put_fd),
	FDBOX_IOCTL(FDBOX_GET_FD, fdbox_ioctl_get_fd, struct fdbox_get_fd),
	FDBOX_IOCTL_NOARG(FDBOX_SEAL, fdbox_ioctl_seal),
	FDBOX_IOCTL_NOARG(FDBOX_UNSEAL, fdbox_ioctl_unseal),
	FDBOX_IOCTL_SIZED(FDBOX_LIST, fdbox_ioctl_list_box,
			  struct fdbox_list, unclaimed_bytes),
};

static long fdbox_box_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	return fdbox_ioctl(fdbox_box_ops, ARRAY_SIZE(fdbox_box_ops),
			   file, cmd, arg);
}

static int fdbox_box_open(struct inode *inode, struct file *file)
{
	/* The cdev, and so the box, lives as long as this file. */
	file->private_data = container_of(inode->i_cdev, struct fdbox_box,
					  cdev);
	return nonseekable_open(inode, file);
}

static const struct file_operations fdbox_box_fops = {
	.owner = THIS_MODULE,
	.open = fdbox_box_open,
	.unlocked_ioctl = fdbox_box_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static void fdbox_box_dev_release(struct device *dev)
{
	struct fdbox_box *box = dev_to_box(dev);

	mutex_destroy(&box->lock);
	kfree(box);
}

/**
 * fdbox_box_device_init() - initialize the device of a new box
 * @box: the box, with its name set
 *
 * From here on @box is freed by put_device(&box->dev).
 *
 * Context: Process context.
 */
void fdbox_box_device_init(struct fdbox_box *box)
{
	device_initialize(&box->dev);
	box->dev.class = &fdbox_class;
	box->dev.type = &fdbox_box_type;
	box->dev.release = fdbox_box_dev_release;
	cdev_init(&box->cdev, &fdbox_box_fops);
	box->cdev.owner = THIS_MODULE;
}

/**
 * fdbox_box_device_add() - create /dev/fdbox/<name> and the sysfs entries
 * @box: the box, after fdbox_box_device_init()
 *
 * Context: Process context, registry lock held.
 * Return: 0 on success, %-ENOSPC if no minor is left, or the error of
 * cdev_device_add().
 */
int fdbox_box_device_add(struct fdbox_box *box)
{
	int minor, err;

	minor = ida_alloc_max(&fdbox_minors, FDBOX_MAX_MINORS - 1, GFP_KERNEL);
	if (minor < 0)
		return minor;
	box->dev.devt = MKDEV(MAJOR(fdbox_devt), minor);
	err = dev_set_name(&box->dev, "%s", box->name);
	if (err)
		goto err_minor;
	err = cdev_device_add(&box->cdev, &box->dev);
	if (err)
		goto err_minor;
	return 0;

err_minor:
	ida_free(&fdbox_minors, minor);
	return err;
}

/**
 * fdbox_box_device_del() - remove the device node and sysfs entries of a box
 * @box: the box, after fdbox_box_device_add()
 *
 * Open files of the device keep @box allocated.
 *
 * Context: Process context, registry lock held, box lock not held.
 */
void fdbox_box_device_del(struct fdbox_box *box)
{
	cdev_device_del(&box->cdev, &box->dev);
	ida_free(&fdbox_minors, MINOR(box->dev.devt));
}

static int __init fdbox_init(void)
{
	int err;

	err = fdbox_debug_fail_init("region") ?:
	      alloc_chrdev_region(&fdbox_devt, 0, FDBOX_MAX_MINORS, "fdbox");
	if (err)
		return err;
	err = fdbox_debug_fail_init("class") ?: class_register(&fdbox_class);
	if (err)
		goto err_region;
	fdbox_helper_init();
	err = fdbox_register_handler(&fdbox_memfd_handler);
	if (err)
		goto err_helper;
	err = fdbox_eventfd_init();
	if (err)
		goto err_memfd;
	err = fdbox_handover_init();
	if (err)
		goto err_eventfd;
	err = fdbox_debug_fail_init("misc") ?: misc_register(&fdbox_misc);
	if (err)
		goto err_handover;
	fdbox_debug_init();
	/* Nothing can fail from here: boxes handed over appear now. */
	fdbox_handover_restore();
	complete_all(&fdbox_ready);
	return 0;

err_handover:
	fdbox_handover_exit();
err_eventfd:
	fdbox_eventfd_exit();
err_memfd:
	WARN_ON_ONCE(fdbox_unregister_handler(&fdbox_memfd_handler));
err_helper:
	fdbox_helper_exit();
	class_unregister(&fdbox_class);
err_region:
	unregister_chrdev_region(fdbox_devt, FDBOX_MAX_MINORS);
	return err;
}

/* No box exists here: each one holds a module reference (see box.c). */
static void __exit fdbox_exit(void)
{
	fdbox_debug_exit();
	misc_deregister(&fdbox_misc);
	fdbox_handover_exit();
	fdbox_eventfd_exit();
	WARN_ON_ONCE(fdbox_unregister_handler(&fdbox_memfd_handler));
	fdbox_helper_exit();
	fdbox_kho_claimed_exit();
	class_unregister(&fdbox_class);
	unregister_chrdev_region(fdbox_devt, FDBOX_MAX_MINORS);
	ida_destroy(&fdbox_minors);
}

module_init(fdbox_init);
module_exit(fdbox_exit);

MODULE_DESCRIPTION("FDBox: named file descriptors held by the kernel across kexec");
MODULE_LICENSE("GPL");
