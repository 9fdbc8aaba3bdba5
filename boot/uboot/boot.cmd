# hmk's U-Boot script, found as /boot.scr by distro boot on the virtio disk.
# boot/boot.mk puts make's BOOTARGS, the kernel command line, in the quotes.
setenv bootargs '@BOOTARGS@'
load ${devtype} ${devnum}:${distro_bootpart} 0x50000000 /hmk.itb
bootm 0x50000000
