#!/bin/sh
# mkimage.sh ESP_DIR DISK_IMG: a GPT disk image with one EFI System Partition
# holding ESP_DIR, built without root. Layout: 1 MiB of GPT and alignment,
# a 64 MiB FAT32 ESP (FAT32 needs about 33 MiB at least; the UEFI spec asks
# for FAT32 on the ESP), then 1 MiB for the backup GPT.
set -eu
esp_dir=$1
img=$2
: "${MFORMAT:=mformat}" "${MMD:=mmd}" "${MCOPY:=mcopy}" "${SFDISK:=sfdisk}"

part_mib=64
part_sectors=$((part_mib * 2048))
tmp_esp=$img.esp.tmp
tmp_img=$img.tmp
trap 'rm -f "$tmp_esp" "$tmp_img"' EXIT

rm -f "$tmp_esp" "$tmp_img"
truncate -s ${part_mib}M "$tmp_esp"
# -F: FAT32; -v: volume label; -h/-s: a geometry mtools accepts for any size.
"$MFORMAT" -i "$tmp_esp" -F -v KESTREL -T $part_sectors -h 64 -s 32 -H 2048 ::
( cd "$esp_dir" && find . -mindepth 1 -type d | sort ) | while read -r d; do
	"$MMD" -i "$tmp_esp" "::/${d#./}"
done
( cd "$esp_dir" && find . -type f | sort ) | while read -r f; do
	"$MCOPY" -i "$tmp_esp" "$esp_dir/${f#./}" "::/${f#./}"
done

truncate -s $((part_mib + 2))M "$tmp_img"
"$SFDISK" --quiet "$tmp_img" <<EOT
label: gpt
start=2048, size=$part_sectors, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System"
EOT
dd if="$tmp_esp" of="$tmp_img" bs=1M seek=1 conv=notrunc,sparse status=none
mv "$tmp_img" "$img"
